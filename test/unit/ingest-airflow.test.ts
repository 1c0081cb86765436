import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { airflowAdapter } from '../../src/ingest/airflow.ts';
import { NormalizedRunEvent } from '../../src/runs/schema.ts';
import { sharedData } from '../support/deps.ts';

const ctx = { source: 'airflow-prod', timeZone: 'UTC', receivedAt: new Date('2026-11-24T00:00:00Z') };
type Schemas = Record<string, { properties?: Record<string, unknown>; enum?: string[] }>;
const schemas = (file: string) => (parse(readFileSync(sharedData('formats', 'airflow', file), 'utf8')) as { components: { schemas: Schemas } }).components.schemas;
const v1 = schemas('airflow-2.10-stable-v1-excerpt.yaml');
const v2 = schemas('airflow-3.2-v2-excerpt.yaml');

// A task instance as /api/v2 returns it, with the fields of TaskInstanceResponse.
const v2Task = (over: Record<string, unknown> = {}) => ({
  id: '0193f7a2-0000-7000-8000-000000000001', task_id: 'load_dw', dag_id: 'finance_close', dag_run_id: 'scheduled__2026-11-23T01:00:00+00:00',
  map_index: -1, logical_date: '2026-11-23T01:00:00Z', run_after: '2026-11-23T01:00:00Z', start_date: '2026-11-23T01:20:00Z',
  end_date: '2026-11-23T01:55:00Z', duration: 2100.5, state: 'failed', try_number: 2, max_tries: 3, hostname: 'worker-3',
  queued_when: '2026-11-23T01:19:30Z', scheduled_when: '2026-11-23T01:19:00Z', operator: 'PythonOperator', note: null,
  ...over,
});

const events = (payload: unknown) => {
  const r = airflowAdapter(payload, ctx);
  assert.equal(r.kind, 'events', JSON.stringify(r));
  return r.kind === 'events' ? NormalizedRunEvent.array().parse(r.events) : [];
};

describe('the Airflow REST adapter', () => {
  it('reads only fields that both API versions define', () => {
    for (const field of ['task_id', 'dag_id', 'dag_run_id', 'try_number', 'state', 'start_date', 'end_date', 'duration', 'queued_when', 'map_index']) {
      assert.ok(v1.TaskInstance?.properties?.[field], `v1 TaskInstance lacks ${field}`);
      assert.ok(v2.TaskInstanceResponse?.properties?.[field], `v2 TaskInstanceResponse lacks ${field}`);
    }
  });

  it('maps every task state of Airflow 3 to a run event type, or to nothing for "no state yet"', () => {
    const states = v2.TaskInstanceState?.enum ?? [];
    assert.ok(states.length >= 10);
    for (const state of states) {
      const out = events(v2Task({ state }));
      assert.equal(out.length, 1, `state ${state}`);
    }
    assert.deepEqual(events(v2Task({ state: null })), []);
  });

  it('makes a retried task instance attempt 2 of the DAG run, with its times and duration', () => {
    const [e] = events(v2Task());
    assert.equal(e?.job.name, 'finance_close.load_dw');
    assert.equal(e?.job.namespace, 'airflow-prod');
    assert.deepEqual([e?.run.runKey, e?.run.attempt], ['scheduled__2026-11-23T01:00:00+00:00', 2]);
    assert.equal(e?.eventType, 'failed');
    assert.equal(e?.durationMs, 2_100_500);
    assert.equal(e?.startedAt?.toISOString(), '2026-11-23T01:20:00.000Z');
    assert.deepEqual(e?.parent, { job: { namespace: 'airflow-prod', name: 'finance_close' }, runKey: 'scheduled__2026-11-23T01:00:00+00:00' });
  });

  it('dates a polled snapshot from the payload, so polling twice yields the same event', () => {
    const a = events(v2Task({ state: 'running', end_date: null }))[0];
    const b = airflowAdapter(v2Task({ state: 'running', end_date: null }), { ...ctx, receivedAt: new Date() });
    assert.equal(b.kind === 'events' ? b.events[0]?.eventTime.getTime() : 0, a?.eventTime.getTime());
  });

  it('names a mapped task instance by its index', () => {
    assert.equal(events(v2Task({ map_index: 3 }))[0]?.job.name, 'finance_close.load_dw[3]');
  });

  it('reads a collection of task instances and of DAG runs (v1 and v2)', () => {
    const tis = events({ task_instances: [v2Task(), v2Task({ task_id: 'reconcile', state: 'upstream_failed' })], total_entries: 2 });
    assert.deepEqual(tis.map((e) => e.eventType), ['failed', 'skipped']);
    const runs = events({ dag_runs: [{ dag_id: 'finance_close', dag_run_id: 'manual__1', state: 'success', execution_date: '2026-11-23T01:00:00+00:00', start_date: '2026-11-23T01:00:05+00:00', end_date: '2026-11-23T02:10:00+00:00' }], total_entries: 1 });
    assert.equal(runs[0]?.job.name, 'finance_close');
    assert.equal(runs[0]?.eventType, 'completed');
  });

  it('refuses a task instance without its DAG run, naming the field', () => {
    const r = airflowAdapter({ task_instances: [v2Task({ dag_run_id: undefined })] }, ctx);
    assert.equal(r.kind, 'rejected');
    assert.deepEqual(r.kind === 'rejected' ? r.issues[0]?.path : [], ['task_instances', 0, 'dag_run_id']);
  });
});
