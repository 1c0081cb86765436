import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

  it("keeps every dbt failure's message, though dbt sends stackTrace: null", () => {
    const events = read('openlineage-repo', 'dbt_failed_run_ol_events.json') as unknown[];
    const failed = (Array.isArray(events) ? events : [events]).filter((e) => (e as { eventType?: string }).eventType === 'FAIL');
    assert.ok(failed.length >= 2);
    for (const f of failed) {
      const [e] = eventsOf(f);
      assert.equal(e?.eventType, 'failed');
      assert.ok(e?.error?.message, 'the failure keeps its message');
    }
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

describe('the OpenLineage adapter’s fast path', () => {
  // Objects without Object.prototype are what JSON.parse never makes: the adapter reads them
  // through its zod schemas, and plain ones through its fast path. Both must read the same.
  const bare = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(bare);
    if (typeof v !== 'object' || v === null) return v;
    return Object.assign(Object.create(null) as object, Object.fromEntries(Object.entries(v).map(([k, x]) => [k, bare(x)])));
  };
  const examples = () => {
    const dir = sharedData('formats', 'openlineage', 'examples');
    return readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.json'))
      .flatMap((f) => {
        const body = JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown;
        return Array.isArray(body) ? body : [body];
      });
  };

  it('reads every example, good or bad, as the schemas do', () => {
    const all = examples();
    assert.ok(all.length > 20);
    for (const e of all) {
      const plain = openLineageAdapter(e, ctx);
      const viaSchemas = openLineageAdapter(bare(e), ctx);
      if (plain.kind === 'events' && viaSchemas.kind === 'events') {
        // Facet values the event keeps as they came (processing_engine, jobType) keep their prototype.
        assert.deepEqual(JSON.parse(JSON.stringify(plain.events)), JSON.parse(JSON.stringify(viaSchemas.events)));
        assert.deepEqual(plain.events.map((x) => Object.keys(x)), viaSchemas.events.map((x) => Object.keys(x)));
      } else {
        assert.deepEqual(plain, viaSchemas);
      }
    }
  });

  it('reads odd facets as the schemas do: a wrong type, an empty id, a number as a string', () => {
    const base = { eventType: 'FAIL', eventTime: '2026-01-01T00:00:00Z', job: { namespace: 'ns', name: 'dag.task' } };
    const facets: Record<string, unknown>[] = [
      { errorMessage: { message: 5 } },
      { errorMessage: { message: 'm', stackTrace: 7 } },
      { parent: { job: { namespace: 'p', name: 'q', extra: 1 }, run: { runId: 'r' } } },
      { parent: { job: { namespace: '', name: 'q' }, run: { runId: 'r' } } },
      { parent: { job: { namespace: 'p', name: 'q' }, run: {} } },
      { airflow: { dagRun: { run_id: '' }, taskInstance: { try_number: 2 } }, airflow_version: { dagRun: { run_id: 'v' }, taskInstance: { try_number: '3' } } },
      { airflow: { dagRun: { run_id: 'd' }, taskInstance: { try_number: '2' } } },
      { airflow: { dagRun: { run_id: 'd' }, taskInstance: 'first' } },
      { nominalTime: { nominalStartTime: 'never' } },
      { nominalTime: { nominalStartTime: '2026-01-01T00:00:00Z' }, processing_engine: { name: 'spark', version: '3.5' } },
      { errorMessage: [] },
    ];
    for (const f of facets) {
      const e = { ...base, run: { runId: 'r-1', facets: f } };
      assert.deepEqual(JSON.parse(JSON.stringify(openLineageAdapter(e, ctx))), JSON.parse(JSON.stringify(openLineageAdapter(bare(e), ctx))), JSON.stringify(f));
    }
  });
});
