import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { openLineageAdapter } from '../../src/ingest/openlineage.ts';
import { NormalizedRunEvent } from '../../src/runs/schema.ts';
import { sharedData } from '../support/deps.ts';

const ctx = { timeZone: 'UTC', receivedAt: new Date('2026-11-24T00:00:00Z') };
const read = (...p: string[]) => JSON.parse(readFileSync(sharedData('formats', 'openlineage', 'examples', ...p), 'utf8')) as unknown;
const eventsOf = (payload: unknown) => {
  const r = openLineageAdapter(payload, ctx);
  assert.equal(r.kind, 'events', JSON.stringify(r));
  return r.kind === 'events' ? NormalizedRunEvent.array().parse(r.events) : [];
};

describe('the OpenLineage adapter', () => {
  it('reads the dbt failed run, its error message becoming the run error', () => {
    const all = (read('openlineage-repo', 'dbt_failed_run_ol_events.json') as unknown[]).flatMap(eventsOf);
    assert.equal(all.length, 8);
    const failed = all.filter((e) => e.eventType === 'failed');
    assert.ok(failed.length >= 1);
    assert.ok(failed.every((e) => e.endedAt?.getTime() === e.eventTime.getTime()));
  });

  it('keeps the Spark error message, its stack trace and its language', () => {
    const [e] = eventsOf(read('openlineage-repo', 'spark_serde_event_with_errorMessage.json'));
    assert.equal(e?.eventType, 'started');
    assert.deepEqual(e?.error, { message: 'failed', detail: '<stack_trace>', language: 'java' });
  });

  it('takes the nominal time as the schedule and the parent facet as the parent run', () => {
    const [e] = eventsOf(read('marquez', 'event_full.json'));
    assert.ok(e?.scheduledAt instanceof Date);
    const parentOf = eventsOf({
      eventType: 'START', eventTime: '2026-01-01T00:00:00Z', run: { runId: 'child', facets: { parent: { job: { namespace: 'ns', name: 'dag' }, run: { runId: 'dag-run-1' } } } },
      job: { namespace: 'ns', name: 'dag.task' },
    })[0];
    assert.deepEqual(parentOf?.parent, { job: { namespace: 'ns', name: 'dag' }, runKey: 'dag-run-1' });
  });

  it('ties Airflow retries, which get new runIds, to one run by DAG run id and try number', () => {
    const tryEvent = (runId: string, tryNumber: number) => eventsOf({
      eventType: 'FAIL', eventTime: `2026-01-01T0${tryNumber}:00:00Z`,
      run: { runId, facets: { airflow: { dagRun: { run_id: 'scheduled__2026-01-01' }, taskInstance: { try_number: tryNumber } } } },
      job: { namespace: 'airflow', name: 'etl.load' },
    })[0];
    const first = tryEvent('3f1c0000-0000-4000-8000-000000000001', 1);
    const second = tryEvent('3f1c0000-0000-4000-8000-000000000002', 2);
    assert.equal(first?.run.runKey, second?.run.runKey);
    assert.deepEqual([first?.run.attempt, second?.run.attempt], [1, 2]);
    assert.notEqual(first?.run.externalId, second?.run.externalId);
  });

  it('ignores an event that says nothing about the run state, rather than refusing it', () => {
    const r = openLineageAdapter(read('marquez', 'event_required_only.json'), ctx);
    assert.deepEqual(r, { kind: 'events', events: [] });
  });

  it('refuses a facet fragment with the paths of the missing fields', () => {
    const r = openLineageAdapter(read('spec-tests', 'ErrorMessageRunFacet_1.json'), ctx);
    assert.equal(r.kind, 'rejected');
    const paths = r.kind === 'rejected' ? r.issues.map((i) => i.path.join('.')) : [];
    assert.deepEqual(paths.sort(), ['eventTime', 'job', 'run']);
  });

  it('refuses a template placeholder where a time should be', () => {
    const [templated] = read('marquez', 'docker_metadata.template.json') as unknown[];
    const r = openLineageAdapter(templated, ctx);
    assert.equal(r.kind, 'rejected');
    assert.deepEqual(r.kind === 'rejected' ? r.issues[0]?.path : [], ['eventTime']);
  });
});
