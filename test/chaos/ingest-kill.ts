/**
 * `medic serve` killed with SIGKILL while batches of events are being ingested, on PostgreSQL or
 * on the embedded store (PGlite killed mid-write): after a restart every acknowledged event is
 * stored exactly once, and sending the unacknowledged ones again stores each once.
 */
import { exited, spawnServe, waitFor } from '../support/servers.ts';
import { verdict, type Fault, type FaultReport } from './fault.ts';
import { send, sendUntil, type Sent } from './load.ts';
import { embeddedStore, postgresStore, type ChaosStore } from './stores.ts';

const NAMESPACE = 'chaos_ingest';

export function ingestKill(store: 'postgres' | 'embedded'): Fault {
  return {
    name: store === 'postgres' ? 'kill -9 of the API during ingest (PostgreSQL)' : 'embedded store killed mid-write (kill -9 during ingest)',
    skip: () => (store === 'postgres' && !process.env.DATABASE_URL ? 'needs DATABASE_URL' : undefined),
    run: async ({ scale }) => {
      const s = store === 'postgres' ? await postgresStore() : await embeddedStore();
      try {
        return await killDuringIngest(s, scale);
      } finally {
        await s.close();
      }
    },
  };
}

async function killDuringIngest(store: ChaosStore, scale: number): Promise<FaultReport> {
  const env = { ...store.env, MEDIC_HEAL: 'off' };
  const first = await spawnServe(env);
  const killAfter = 8 * scale;
  let killed = false;
  const load = sendUntil(first.url, {
    namespace: NAMESPACE, senders: 4, size: 50,
    stop: (acknowledged) => {
      if (acknowledged >= killAfter && !killed) {
        killed = true;
        first.kill('SIGKILL');
      }
      return killed;
    },
  });
  const sent = await load;
  await exited(first);

  const second = await spawnServe(env);
  let resent: Sent[] = [];
  try {
    const unacknowledged = sent.filter((x) => x.outcome === 'unacknowledged');
    resent = await Promise.all(unacknowledged.map((x) => send(second.url, x.batch)));
    // The restarted server's own work (analysis of the failures) is not part of what is counted; stop it cleanly.
  } finally {
    second.kill('SIGTERM');
    await exited(second);
  }

  const rows = await waitFor('the store to open', () => store.query<{ run_key: string; n: string }>(
    `select r.run_key, count(*)::text as n from run_events r join jobs j on j.id = r.job_id where j.namespace = $1 group by r.run_key`, [NAMESPACE]));
  const stored = new Map(rows.map((r) => [r.run_key, Number(r.n)]));
  const keysOf = (xs: Sent[]) => xs.flatMap((x) => x.batch.events.map((e) => (e.run as { key: string }).key));
  const acknowledged = keysOf(sent.filter((x) => x.outcome === 'acknowledged'));
  const all = keysOf(sent);
  const lost = acknowledged.filter((k) => !stored.has(k)).length;
  const duplicated = [...stored.values()].filter((n) => n > 1).length;
  const missingAfterResend = all.filter((k) => !stored.has(k)).length;
  const counts = {
    batches: sent.length, events_sent: all.length, acknowledged: acknowledged.length, unacknowledged: all.length - acknowledged.length,
    resend_acknowledged: keysOf(resent.filter((x) => x.outcome === 'acknowledged')).length,
    lost_acknowledged: lost, duplicated, missing_after_resend: missingAfterResend, stored: stored.size,
  };
  return verdict(store.name === 'postgres' ? 'ingest-kill' : 'embedded-kill', counts, {
    'the server was killed with batches in flight': sent.some((x) => x.outcome === 'unacknowledged'),
    'every acknowledged event is stored': lost === 0,
    'no event is stored twice': duplicated === 0,
    'every resent batch is acknowledged': resent.every((x) => x.outcome === 'acknowledged'),
    'after resending, every event sent is stored once': missingAfterResend === 0 && stored.size === all.length,
  }, [`first server's log tail: ${first.output().slice(-400)}`]);
}
