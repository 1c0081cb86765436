import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Queryable } from '../../src/db/pool.ts';
import type { Adapter } from '../../src/ingest/adapter.ts';
import { airflowAdapter } from '../../src/ingest/airflow.ts';
import { argoAdapter } from '../../src/ingest/argo.ts';
import { controlmAdapter } from '../../src/ingest/controlm.ts';
import { Action } from '../../src/policies/action.ts';
import { selectTargetableRun } from '../../src/remediation/target-sql.ts';
import { resolveTarget } from '../../src/remediation/target.ts';
import { storeEvents } from '../../src/runs/store.ts';
import { sharedData } from '../support/deps.ts';
import { testStores } from '../support/stores.ts';

const RUN = 'scheduled__2026-11-24T00:00:00+00:00';
const retry = Action.parse({ kind: 'retry' });

async function ingest(pool: Parameters<typeof storeEvents>[0], adapter: Adapter, source: string, payload: unknown): Promise<void> {
  const result = adapter(payload, { source, timeZone: 'UTC', receivedAt: new Date() });
  assert.equal(result.kind, 'events');
  if (result.kind === 'events') await storeEvents(pool, [{ body: payload, events: result.events }]);
}

async function runIdOf(db: Queryable, job: string): Promise<number> {
  const { rows } = await db.query<{ id: number }>('select r.id from runs r join jobs j on j.id = r.job_id where j.name = $1', [job]);
  assert.ok(rows[0], `no run of ${job}`);
  return rows[0].id;
}

async function targetOf(db: Queryable, job: string) {
  const run = await selectTargetableRun(db, await runIdOf(db, job));
  assert.ok(run);
  return resolveTarget(run, retry);
}

for (const store of testStores()) {
  describe(`targets of ingested runs (${store.name})`, () => {
    it('addresses each orchestrator by the names its adapter stored', async () => {
      const db = await store.open();
      try {
        await ingest(db.pool, airflowAdapter, 'airflow-prod', {
          task_instances: [{ dag_id: 'finance.close', task_id: 'load.dw', dag_run_id: RUN, state: 'failed', try_number: 2, end_date: '2026-11-24T01:00:00Z' }],
        });
        const argo = JSON.parse(readFileSync(sharedData('formats', 'argo', 'failed-dag-workflow-with-retries.json'), 'utf8')) as unknown;
        await ingest(db.pool, argoAdapter, 'argo-ml', argo);
        const ctm = JSON.parse(readFileSync(sharedData('formats', 'controlm', 'jobs-status-ended-not-ok.CONSTRUCTED-example.json'), 'utf8')) as Record<string, unknown>;
        delete ctm._comment;
        await ingest(db.pool, controlmAdapter, 'ctm-prod', ctm);

        assert.deepEqual(await targetOf(db.pool, 'finance.close.load.dw'), {
          kind: 'target', target: { kind: 'airflow', dagId: 'finance.close', dagRunId: RUN, taskIds: ['load.dw'], includeDownstream: false, onlyFailed: true },
        });
        assert.deepEqual(await targetOf(db.pool, 'dag-disable-fail-fast.C'), {
          kind: 'target', target: { kind: 'argo', namespace: 'default', name: 'dag-disable-fail-fast-r6xdc', nodeFieldSelector: 'id=dag-disable-fail-fast-r6xdc-3961991537' },
        });
        assert.deepEqual(await targetOf(db.pool, 'TestMonitor/Command'), { kind: 'target', target: { kind: 'controlm', jobId: 'workbench:0001k' } });
        assert.equal(await selectTargetableRun(db.pool, 999_999), undefined);
      } finally {
        await db.close();
      }
    });
  });
}
