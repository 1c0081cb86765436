import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ingest, type IngestSummary } from '../../src/ingest/ingest.ts';
import { createInProcessQueue } from '../../src/queue/in-process.ts';
import type { JobQueue } from '../../src/queue/queue.ts';
import { countRows } from '../support/app.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

/** An OpenLineage RunEvent of task `task` of DAG run `dagRun`, as the Airflow provider sends them. */
const olEvent = (task: string, dagRun: string, type: 'START' | 'COMPLETE' | 'FAIL', minute: number, facets: Record<string, unknown> = {}) => ({
  eventType: type,
  eventTime: `2026-03-01T10:${String(minute).padStart(2, '0')}:00.000Z`,
  producer: 'https://github.com/apache/airflow/tree/providers-openlineage/2.3.0',
  run: {
    runId: `${dagRun}-${task}`,
    facets: {
      airflow: { dagRun: { run_id: dagRun }, taskInstance: { try_number: 1 }, task: { task_id: task } },
      ...(type === 'FAIL' ? { errorMessage: { message: `${task} failed`, programmingLanguage: 'python' } } : {}),
      ...facets,
    },
  },
  job: { namespace: 'store-test', name: `etl.${task}` },
  inputs: [],
  outputs: [],
});

const statuses = (s: IngestSummary) => s.items.map((i) => (i.status === 'rejected' ? `rejected: ${i.issues[0]?.message ?? ''}` : i.status));

// The write path stages a batch in temporary tables (COPY on a server, unnest on PGlite) and
// upserts from them: these pin down what it stores and answers, the same on both stores.
for (const store of testStores()) {
  describe(`ingest's write path (${store.name})`, () => {
    let db: TestDatabase;
    let queue: JobQueue;
    const queued: { name: string; jobId: string | undefined }[] = [];
    const send = (items: unknown[]) => ingest({ pool: db.pool, queue }, { orchestrator: 'openlineage', timeZone: 'UTC', items, receivedAt: new Date() });

    before(async () => {
      db = await store.open();
      const inProcess = createInProcessQueue();
      // Jobs are recorded, not run: this is about what ingest asks for.
      queue = { ...inProcess, enqueue: async (name, _payload, options) => {
        queued.push({ name, jobId: options?.jobId });
        return { kind: 'queued', jobId: options?.jobId ?? name };
      } };
    });
    after(async () => {
      await queue.close();
      await db.close();
    });

    it('stores an event once, whether the batch repeats it or a later batch brings it again', async () => {
      const start = olEvent('load', 'run-1', 'START', 0);
      const res = await send([start, start, olEvent('load', 'run-1', 'COMPLETE', 5), { ...start, producer: 'another producer' }]);
      assert.deepEqual(statuses(res), ['accepted', 'duplicate', 'accepted', 'duplicate']);
      // Three bodies, two events; the differing body of a known event is kept as it always was.
      assert.deepEqual([await countRows(db, 'run_events'), await countRows(db, 'ingest_payloads')], [2, 3]);
      const again = await send([olEvent('load', 'run-1', 'COMPLETE', 5), start]);
      assert.deepEqual(statuses(again), ['duplicate', 'duplicate']);
      assert.deepEqual([await countRows(db, 'run_events'), await countRows(db, 'runs'), await countRows(db, 'run_attempts')], [2, 1, 1]);
      const run = await db.pool.query<{ state: string; event_count: number }>(
        `select state, event_count from runs r join jobs j on j.id = r.job_id where j.name = 'etl.load'`);
      assert.deepEqual(run.rows, [{ state: 'completed', event_count: 2 }]);
    });

    it('folds a run across batches, and queues the analysis of its failed attempt', async () => {
      await send([olEvent('check', 'run-2', 'START', 0)]);
      queued.length = 0;
      const res = await send([olEvent('check', 'run-2', 'FAIL', 9)]);
      assert.equal(res.accepted, 1);
      const row = await db.pool.query<{ state: string; error_message: string; event_count: number; a_state: string }>(
        `select r.state, r.error_message, r.event_count, a.state as a_state from runs r join jobs j on j.id = r.job_id
         join run_attempts a on a.run_id = r.id where j.name = 'etl.check'`);
      assert.deepEqual(row.rows, [{ state: 'failed', error_message: 'check failed', event_count: 2, a_state: 'failed' }]);
      const runId = (await db.pool.query<{ id: number }>(`select r.id from runs r join jobs j on j.id = r.job_id where j.name = 'etl.check'`)).rows[0]?.id;
      assert.deepEqual(queued.filter((q) => q.name === 'analyse-failure'), [{ name: 'analyse-failure', jobId: `analyse-failure:${runId}:1` }]);
      // The same failure again is a duplicate, and asks for nothing.
      queued.length = 0;
      assert.equal((await send([olEvent('check', 'run-2', 'FAIL', 9)])).duplicate, 1);
      assert.deepEqual(queued, []);
    });

    it('stores a payload whose JSON holds a NUL or a lone surrogate, wherever it sits, with them replaced, and keeps its neighbours', async () => {
      const events = await countRows(db, 'run_events');
      const payloads = await countRows(db, 'ingest_payloads');
      const res = await send([
        olEvent('a', 'run-3', 'START', 0),
        olEvent('b', 'run-3', 'START', 0, { custom: { note: 'a NUL \u0000 in a facet Medic does not read' } }),
        olEvent('c', 'run-3', 'START', 0, { custom: { note: 'half \ud800 of a pair' } }),
        olEvent('d', 'run-3', 'FAIL', 1, { custom: { note: 'colours \u001b[31m, a bell \u0007 and a whole 😀 are fine' } }),
      ]);
      assert.deepEqual(statuses(res), ['accepted', 'accepted', 'accepted', 'accepted']);
      assert.deepEqual([await countRows(db, 'run_events'), await countRows(db, 'ingest_payloads')], [events + 4, payloads + 4]);
      // Nothing of the refused batch stays staged for the next one on the same connections.
      const next = await send([olEvent('e', 'run-3', 'START', 2)]);
      assert.deepEqual(statuses(next), ['accepted']);
      assert.deepEqual([await countRows(db, 'run_events'), await countRows(db, 'ingest_payloads')], [events + 5, payloads + 5]);
      const replaced = await db.pool.query<{ body: string }>(
        `select p.body::text as body from ingest_payloads p join run_events e on e.payload_sha256 = p.sha256
         join jobs j on j.id = e.job_id where j.name in ('etl.b', 'etl.c') order by j.name`);
      assert.deepEqual(replaced.rows.map((r) => /a NUL \uFFFD in a facet|half \uFFFD of a pair/.test(r.body)), [true, true]);
      const stored = await db.pool.query<{ body: string }>(
        `select p.body::text as body from ingest_payloads p join run_events e on e.payload_sha256 = p.sha256
         join jobs j on j.id = e.job_id where j.name = 'etl.d'`);
      assert.match(stored.rows[0]?.body ?? '', /\\u001b\[31m, a bell \\u0007 and a whole 😀/);
    });
  });
}
