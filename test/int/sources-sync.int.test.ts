import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { Deps } from '../../src/deps.ts';
import { parseSources, type SourceConfig } from '../../src/sources/config.ts';
import { sourcesHealth } from '../../src/sources/health.ts';
import { sourceHandlers } from '../../src/sources/jobs.ts';
import type { Cursor, Puller, PullStep } from '../../src/sources/puller.ts';
import type { SourceEntry } from '../../src/sources/registry.ts';
import { runSync } from '../../src/sources/run.ts';
import { claimSource, sourceErrors } from '../../src/sources/state-sql.ts';
import { testDeps } from '../support/deps.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

const T0 = Date.parse('2026-11-01T00:00:00Z');

/** A generic event of run `i` of job `job`, ended `i` minutes after T0. */
function event(job: string, i: number, type: 'completed' | 'failed' = 'completed') {
  const at = new Date(T0 + i * 60_000).toISOString();
  return {
    job: { namespace: 'etl', name: job }, run: { id: `${job}-${i}` }, type, time: at, startedAt: at, endedAt: at,
    ...(type === 'failed' ? { error: { message: 'psycopg2.OperationalError: connection refused' } } : {}),
  };
}

type Script = (Omit<Extract<PullStep, { kind: 'page' }>, 'cursor' | 'kind' | 'orchestrator'> | { malformed: string } | { failed: string; fatal: boolean })[];

/** A puller that walks a fixed script, resuming at the step its cursor names. */
/** With `holdLast`, the first pass's last page is not fetched until the pass is asked to stop: an interruption however busy the machine. */
function scripted(script: Script, calls: { from: number }[] = [], holdLast = false): Puller {
  let held = false;
  return {
    async *pull(req, signal) {
      const from = typeof req.cursor?.step === 'number' ? req.cursor.step : 0;
      calls.push({ from });
      for (let i = from; i < script.length; i += 1) {
        // As the real pullers do: a page takes a moment to fetch, and asked to stop, it stops.
        if (i > from) await new Promise((r) => setTimeout(r, 50));
        if (holdLast && !held && i === script.length - 1 && signal) {
          held = true;
          await new Promise<void>((resolve) => {
            if (signal.aborted) return resolve();
            signal.addEventListener('abort', () => resolve(), { once: true });
            setTimeout(resolve, 30_000).unref();
          });
        }
        if (signal?.aborted) return;
        const s = script[i]!;
        const cursor: Cursor = { step: i + 1 };
        if ('malformed' in s) yield { kind: 'malformed', where: `GET /page/${i}`, field: s.malformed, detail: 'expected an array', cursor };
        else if ('failed' in s) yield { kind: 'failed', where: `GET /page/${i}`, status: s.fatal ? 401 : 503, detail: s.failed, fatal: s.fatal };
        else yield { kind: 'page', orchestrator: 'generic', cursor, ...s };
      }
    },
  };
}

function sourceConfig(name: string): SourceConfig {
  const parsed = parseSources(JSON.stringify([{ source: name, kind: 'argo', url: 'http://127.0.0.1:9', token: { env: 'T' } }]), { env: { T: 'argo-token-not-for-logs' }, readFile: () => '' });
  assert.equal(parsed.kind, 'ok');
  return parsed.kind === 'ok' ? parsed.sources[0]! : (undefined as never);
}

const page = (job: string, from: number, n: number) => ({ items: Array.from({ length: n }, (_, k) => event(job, from + k, k % 4 === 3 ? 'failed' : 'completed')), where: `GET /runs?offset=${from}`, newest: new Date(T0 + (from + n - 1) * 60_000), total: 30 });

for (const store of testStores()) {
  describe(`sync engine (${store.name})`, () => {
    let db: TestDatabase;
    let deps: Deps;
    const entry = (name: string, puller: Puller): SourceEntry => ({ config: sourceConfig(name), puller });
    const runs = async (job: string) => (await db.pool.query<{ n: number }>("select count(*)::int as n from runs r join jobs j on j.id = r.job_id where j.name = $1", [job])).rows[0]?.n;

    before(async () => {
      db = await store.open();
      deps = testDeps(db, { clock: () => new Date(T0 + 40 * 60_000) });
    });
    after(async () => {
      await deps.queue.close();
      await deps.decisionLog.close();
      await db.close();
    });

    it('stores each page and then its cursor; a later pass resumes there, and a restart stores nothing twice', async () => {
      const script: Script = [page('load_a', 0, 10), page('load_a', 10, 10), page('load_a', 20, 10)];
      const calls: { from: number }[] = [];
      const e = entry('paged', scripted(script, calls));
      const first = await runSync(deps, e, { owner: 'test:1' });
      assert.equal(first.kind, 'done');
      assert.deepEqual(first.kind === 'done' && [first.pages, first.items, first.accepted, first.duplicates], [3, 30, 30, 0]);
      assert.equal(await runs('load_a'), 30);
      const again = await runSync(deps, e, { owner: 'test:1' });
      assert.deepEqual(again.kind === 'done' && [again.pages, again.items], [0, 0], 'the next pass starts after the last stored page');
      assert.deepEqual(calls.map((c) => c.from), [0, 3]);
      const restart = await runSync(deps, e, { owner: 'test:1', restart: true });
      assert.deepEqual(restart.kind === 'done' && [restart.items, restart.accepted, restart.duplicates], [30, 0, 30]);
      assert.equal(await runs('load_a'), 30);
      const [health] = await sourcesHealth(db.pool, [e.config], deps.clock());
      assert.equal(health?.status, 'ok');
      assert.equal(health?.lag_s, 0);
      assert.equal(health?.items_pulled, 60);
      assert.equal(health?.newest_event_at?.toISOString(), new Date(T0 + 29 * 60_000).toISOString());
    });

    it('records a malformed page with its page and field, skips it, and records each refused payload with its path', async () => {
      const bad = { ...page('load_b', 10, 2), items: [event('load_b', 10), { job: { namespace: 'etl' }, type: 'completed' }] };
      const e = entry('malformed', scripted([page('load_b', 0, 5), { malformed: 'task_instances' }, bad, page('load_b', 20, 5)]));
      const o = await runSync(deps, e, { owner: 'test:1' });
      assert.equal(o.kind, 'done');
      assert.deepEqual(o.kind === 'done' && [o.pages, o.malformed, o.rejected, o.accepted], [3, 1, 1, 11]);
      const errors = await sourceErrors(db.pool, 'malformed', 10);
      assert.deepEqual(errors.map((x) => [x.kind, x.at_page, x.field?.split('.').slice(0, 2).join('.')]).reverse(), [
        ['malformed', 'GET /page/1', 'task_instances'],
        ['rejected', 'GET /runs?offset=10', 'items[1].job'],
        ['rejected', 'GET /runs?offset=10', 'items[1].run'],
        ['rejected', 'GET /runs?offset=10', 'items[1].time'],
      ]);
      const state = (await db.pool.query<{ cursor: Cursor }>("select cursor from source_state where source = 'malformed'")).rows[0];
      assert.deepEqual(state?.cursor, { step: 4 });
    });

    it('stops a source whose credentials are refused, with the error, and continuous sync leaves it alone while others go on', async () => {
      const refused = entry('refused', scripted([page('load_c', 0, 3), { failed: 'HTTP 401: Invalid JWT token', fatal: true }]));
      const fine = entry('fine', scripted([page('load_d', 0, 3)]));
      const sources = { list: [refused, fine], get: (n: string) => [refused, fine].find((x) => x.config.source === n) };
      const handler = sourceHandlers({ ...deps, sources })['source-sync'];
      await handler({ source: 'refused' }, { attempt: 1, jobId: 'a' });
      await handler({ source: 'fine' }, { attempt: 1, jobId: 'b' });
      const [r, f] = await sourcesHealth(db.pool, [refused.config, fine.config], deps.clock(), { errors: 5 });
      assert.equal(r?.status, 'stopped');
      assert.match(r?.last_error ?? '', /401: Invalid JWT token/);
      assert.equal(r?.recent_errors?.[0]?.kind, 'failed');
      assert.equal(f?.status, 'ok');
      assert.equal(await runs('load_d'), 3);
      // The page before the refusal is kept, and the stopped source is not pulled again by the worker.
      assert.equal(await runs('load_c'), 3);
      const before = r?.last_attempt_at?.getTime();
      await handler({ source: 'refused' }, { attempt: 1, jobId: 'c' });
      const [r2] = await sourcesHealth(db.pool, [refused.config], deps.clock());
      assert.equal(r2?.last_attempt_at?.getTime(), before);
    });

    it('keeps the cursor at the last stored page when interrupted, and resumes from it', async () => {
      const abort = new AbortController();
      // Pages of 600: a batch of stored payloads (up to 1,000) holds one of them.
      const e = entry('interrupted', scripted([page('load_e', 0, 600), page('load_e', 600, 600), page('load_e', 1200, 600)], [], true));
      const o = await runSync(deps, e, { owner: 'test:1', signal: abort.signal, onProgress: (p) => { if (p.pages === 1) abort.abort(); } });
      assert.equal(o.kind, 'interrupted');
      // The batch stored beside the first (two at once) may have made it too: what the cursor says is what is stored.
      const state = (await db.pool.query<{ cursor: Cursor; items: number }>("select cursor, items_pulled::int as items from source_state where source = 'interrupted'")).rows[0];
      const storedPages = Number(state?.cursor.step);
      assert.ok(storedPages >= 1 && storedPages < 3, `stopped part-way (${storedPages} pages)`);
      assert.equal(await runs('load_e'), storedPages * 600);
      assert.equal(state?.items, storedPages * 600);
      const resumed = await runSync(deps, e, { owner: 'test:2' });
      assert.deepEqual(resumed.kind === 'done' && [resumed.pages, resumed.duplicates], [3 - storedPages, 0]);
      assert.equal(await runs('load_e'), 1800);
    });

    it('lets one process at a time pull a source, and takes over the lease of a dead holder on this host', async () => {
      const live = await claimSource(db.pool, 'leased', 'argo', 'elsewhere:1:a', 60_000);
      assert.equal(live.kind, 'claimed');
      const busy = await runSync(deps, entry('leased', scripted([page('load_f', 0, 1)])), { owner: 'test:1' });
      assert.deepEqual(busy, { kind: 'busy', source: 'leased', owner: 'elsewhere:1:a' });
      // A process that has exited: its pid is free, so its lease is known dead.
      const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
      const { hostname } = await import('node:os');
      await db.pool.query("update source_state set lease_owner = $1 where source = 'leased'", [`${hostname()}:${gone}:b`]);
      const took = await runSync(deps, entry('leased', scripted([page('load_f', 0, 1)])), { owner: 'test:1' });
      assert.equal(took.kind, 'done');
    });
  });
}
