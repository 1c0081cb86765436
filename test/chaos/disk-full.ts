/**
 * The embedded store's disk fills up while events are ingested (a small tmpfs under
 * MEDIC_DATA_DIR, then a file taking all but a little of it): Medic refuses what it cannot store
 * with a clear error instead of a 500, keeps what it acknowledged, and takes events again once
 * there is room, without a restart.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, spawnServe, waitFor } from '../support/servers.ts';
import { verdict, type Fault, type FaultReport } from './fault.ts';
import { batchOf, send, type Sent } from './load.ts';
import type { ChaosStore } from './stores.ts';
import { openDatabase } from '../../src/db/pool.ts';

const NAMESPACE = 'chaos_disk';

/** Whether a small tmpfs can be mounted here (root, and a kernel that allows it). */
function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const dir = mkdtempSync(join(tmpdir(), 'medic-mount-'));
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]).status === 0;
  if (ok) spawnSync('umount', [dir]);
  rmSync(dir, { recursive: true, force: true });
  return ok;
}

export const diskFull: Fault = {
  name: 'disk full under the embedded store',
  skip: () => (canMount() ? undefined : 'needs root to mount a small tmpfs'),
  run: async ({ scale }) => {
    const mnt = mkdtempSync(join(tmpdir(), 'medic-full-'));
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=80m', 'tmpfs', mnt]);
    if (mounted.status !== 0) throw new Error(`mount: ${mounted.stderr.toString()}`);
    try {
      return await fillUp(mnt, scale);
    } finally {
      spawnSync('umount', ['-l', mnt]);
      await rm(mnt, { recursive: true, force: true });
    }
  },
};

async function fillUp(mnt: string, scale: number): Promise<FaultReport> {
  const dataDir = join(mnt, 'data');
  const filler = join(mnt, 'filler');
  const env = { MEDIC_DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', MEDIC_HEAL: 'off' };
  const serve = await spawnServe(env);
  const sent: Sent[] = [];
  const after: Sent[] = [];
  let alive = true;
  try {
    for (let i = 0; i < 3; i++) sent.push(await send(serve.url, batchOf(NAMESPACE, `a${i}`, 50)));
    // All but half a megabyte taken: the next writes find no room.
    const { bavail, bsize } = statfsSync(mnt);
    writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - 512 * 1024)));
    let refusedInARow = 0;
    for (let i = 0; i < 200 * scale && refusedInARow < 3; i++) {
      const r = await send(serve.url, batchOf(NAMESPACE, `f${i}`, 50));
      sent.push(r);
      refusedInARow = r.outcome === 'acknowledged' ? 0 : refusedInARow + 1;
    }
    rmSync(filler);
    // Room again: Medic takes events without being restarted, and what it refused can be sent again.
    await waitFor('Medic to be ready again', async () => ((await fetch(`${serve.url}/readyz`)).ok ? true : undefined), 30_000).catch(() => undefined);
    for (const r of sent.filter((x) => x.outcome === 'unacknowledged')) after.push(await send(serve.url, r.batch));
    for (let i = 0; i < 3; i++) after.push(await send(serve.url, batchOf(NAMESPACE, `z${i}`, 50)));
    alive = serve.exitCode === null && serve.signalCode === null;
  } finally {
    serve.kill('SIGTERM');
    await exited(serve);
  }
  const store: Pick<ChaosStore, 'query'> = {
    async query<T>(sql: string, params: unknown[] = []) {
      const db = await openDatabase({ databaseUrl: undefined, dataDir });
      try {
        return (await db.pool.query(sql, params)).rows as T[];
      } finally {
        await db.close();
      }
    },
  };
  const rows = await store.query<{ run_key: string; n: string }>(
    `select r.run_key, count(*)::text as n from run_events r join jobs j on j.id = r.job_id where j.namespace = $1 group by r.run_key`, [NAMESPACE]);
  const stored = new Map(rows.map((r) => [r.run_key, Number(r.n)]));
  const keysOf = (xs: Sent[]) => xs.flatMap((x) => x.batch.events.map((e) => (e.run as { key: string }).key));
  const refused = sent.filter((x) => x.outcome === 'unacknowledged');
  const clear = refused.filter((x) => x.status === 507 && x.error?.code === 'insufficient_storage');
  const acknowledged = keysOf([...sent, ...after].filter((x) => x.outcome === 'acknowledged'));
  const counts = {
    batches_before_full: sent.length - refused.length, refused: refused.length, refused_with_clear_error: clear.length,
    acknowledged_events: acknowledged.length, lost_acknowledged: acknowledged.filter((k) => !stored.has(k)).length,
    duplicated: [...stored.values()].filter((n) => n > 1).length, accepted_after_room: after.filter((x) => x.outcome === 'acknowledged').length, after_room: after.length,
  };
  return verdict('disk-full', counts, {
    'the disk filled up under ingest': refused.length > 0,
    'every refusal is a 507 saying the disk is full': clear.length === refused.length,
    'Medic kept running': alive,
    'with room again, everything sent is taken, without a restart': after.length > 0 && after.every((x) => x.outcome === 'acknowledged'),
    'every acknowledged event is stored once': counts.lost_acknowledged === 0 && counts.duplicated === 0,
  }, [`refusals: ${JSON.stringify(refused.slice(0, 3).map((x) => ({ status: x.status, error: x.error })))}`, `log tail: ${serve.output().slice(-1500)}`]);
}
