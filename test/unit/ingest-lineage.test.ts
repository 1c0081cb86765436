import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Adapter } from '../../src/ingest/adapter.ts';
import { airflowAdapter } from '../../src/ingest/airflow.ts';
import { argoAdapter } from '../../src/ingest/argo.ts';
import { controlmAdapter } from '../../src/ingest/controlm.ts';
import { genericAdapter } from '../../src/ingest/generic.ts';
import { airflowTaskIds } from '../../src/ingest/lineage.ts';
import { openLineageAdapter } from '../../src/ingest/openlineage.ts';
import { NormalizedRunEvent } from '../../src/runs/schema.ts';
import { sharedData } from '../support/deps.ts';

const ctx = { timeZone: 'UTC', receivedAt: new Date('2026-11-24T00:00:00Z') };
const read = (...p: string[]) => JSON.parse(readFileSync(sharedData('formats', ...p), 'utf8')) as unknown;
const eventsOf = (adapter: Adapter, payload: unknown) => {
  const r = adapter(payload, ctx);
  assert.equal(r.kind, 'events', JSON.stringify(r));
  return r.kind === 'events' ? NormalizedRunEvent.array().parse(r.events) : [];
};
const names = (jobs: { namespace: string; name: string }[] | undefined) => (jobs ?? []).map((j) => `${j.namespace}/${j.name}`);

/** The Airflow provider's expected events are templates; the fields Medic needs are filled in here, in memory. */
function providerEvents(): Record<string, unknown>[] {
  const events = read('openlineage', 'examples', 'airflow-provider', 'openlineage_custom_operator_failure_dag.expected.json') as Record<string, unknown>[];
  return events.map((e, i) => ({
    ...e,
    eventTime: `2026-11-24T01:0${i}:00Z`,
    run: { ...(e.run as object), runId: `00000000-0000-4000-8000-00000000000${i}` },
    job: { ...(e.job as object), namespace: 'airflow-test' },
  }));
}

describe('lineage from OpenLineage events', () => {
  it('names the datasets a RunEvent reads and writes namespace/name', () => {
    const [e] = eventsOf(openLineageAdapter, read('openlineage', 'examples', 'marquez', 'event_simple.json'));
    assert.deepEqual(e?.lineage?.inputs, ['my-datasource-namespace/instance.schema.input-1', 'my-datasource-namespace/instance.schema.input-2']);
    assert.deepEqual(e?.lineage?.outputs, ['my-datasource-namespace/instance.schema.output-1']);
    assert.deepEqual(e?.lineage?.upstream, []);
  });

  it('reads the Airflow provider\'s task neighbours, printed as Python lists, as jobs of the same DAG', () => {
    const [start, fail] = providerEvents().map((e) => eventsOf(openLineageAdapter, e)[0]);
    assert.deepEqual(start?.lineage?.inputs, ['s3://failure-test/before_fail.csv']);
    // The failing task is the first of its DAG ("[]" upstream) and feeds empty_success.
    assert.deepEqual(fail?.lineage?.upstream, []);
    assert.deepEqual(names(fail?.lineage?.downstream), ['airflow-test/openlineage_custom_operator_failure_dag.empty_success']);
  });

  it('names upstream tasks <dag_id>.<task_id> in the event\'s namespace, as the adapter names the task itself', () => {
    const [e] = eventsOf(openLineageAdapter, {
      eventType: 'START', eventTime: '2026-11-24T01:30:00Z', job: { namespace: 'airflow-prod', name: 'finance_close.load_dw' },
      run: { runId: 'a1', facets: { airflow: { dag: { dag_id: 'finance_close' }, task: { task_id: 'load_dw', upstream_task_ids: "['extract_erp', 'extract_bank']" } } } },
    });
    assert.deepEqual(names(e?.lineage?.upstream), ['airflow-prod/finance_close.extract_erp', 'airflow-prod/finance_close.extract_bank']);
  });

  it('reads the JobDependencies run facet, skipping an entry that names no job', () => {
    const [e] = eventsOf(openLineageAdapter, {
      eventType: 'COMPLETE', eventTime: '2026-11-24T01:30:00Z', job: { namespace: 'spark', name: 'aggregate' },
      run: { runId: 'b1', facets: { jobDependencies: {
        upstream: [{ job: { namespace: 'dbt', name: 'model.orders' }, dependency_type: 'DIRECT_INVOCATION' }, { run: { runId: 'x' } }],
        downstream: [{ job: { namespace: 'airflow', name: 'reports.publish' } }],
      } } },
    });
    assert.deepEqual(names(e?.lineage?.upstream), ['dbt/model.orders']);
    assert.deepEqual(names(e?.lineage?.downstream), ['airflow/reports.publish']);
  });

  it('skips a malformed dataset rather than refusing the event', () => {
    const [e] = eventsOf(openLineageAdapter, {
      eventType: 'START', eventTime: '2026-11-24T01:30:00Z', job: { namespace: 'n', name: 'j' }, run: { runId: 'c1' },
      inputs: [{ name: 'no-namespace' }, { namespace: 'pg', name: 'public.t' }], outputs: 'not a list',
    });
    assert.deepEqual(e?.lineage, { inputs: ['pg/public.t'], outputs: [], upstream: [], downstream: [] });
  });

  it('gives events that say nothing about lineage no lineage at all', () => {
    const dbt = (read('openlineage', 'examples', 'openlineage-repo', 'dbt_failed_run_ol_events.json') as unknown[]).flatMap((e) => eventsOf(openLineageAdapter, e));
    assert.ok(dbt.filter((e) => e.job.name === 'dbt-run-jaffle_shop').every((e) => !('lineage' in e)));
    assert.ok(dbt.some((e) => e.lineage?.outputs.includes('postgres://postgres:5432/postgres.public.orders')));
  });
});

describe('lineage from Argo workflows', () => {
  const workflow = () => eventsOf(argoAdapter, read('argo', 'failed-dag-workflow-with-retries.json'));
  const upstreamOf = (events: NormalizedRunEvent[], step: string) =>
    [...new Set(events.filter((e) => e.job.name === `dag-disable-fail-fast.${step}`).flatMap((e) => names(e.lineage?.upstream)))];

  it('gives each step the steps whose nodes list it among their children', () => {
    const events = workflow();
    assert.deepEqual(upstreamOf(events, 'A'), []);
    assert.deepEqual(upstreamOf(events, 'B'), ['default/dag-disable-fail-fast.A']);
    assert.deepEqual(upstreamOf(events, 'D'), ['default/dag-disable-fail-fast.B']);
    assert.deepEqual(upstreamOf(events, 'E'), ['default/dag-disable-fail-fast.D']);
  });

  it('takes a Retry node\'s children for attempts of its step, each waiting for what the step waits for', () => {
    const c = workflow().filter((e) => e.job.name === 'dag-disable-fail-fast.C');
    assert.deepEqual(c.map((e) => e.run.attempt).sort(), [1, 2]);
    assert.ok(c.every((e) => names(e.lineage?.upstream).join() === 'default/dag-disable-fail-fast.A'));
  });

  it('leaves the workflow\'s own run, and a workflow of one pod, without lineage', () => {
    assert.equal(workflow().find((e) => e.job.name === 'dag-disable-fail-fast')?.lineage, undefined);
    assert.ok(eventsOf(argoAdapter, read('argo', 'failed-workflow-exit-handler.json')).every((e) => e.lineage === undefined));
  });

  it('passes through step groups to the pods of the next group', () => {
    const node = (id: string, type: string, children: string[] = []) => ({ id, name: `wf.${id}`, displayName: id, type, phase: 'Succeeded', children });
    const events = eventsOf(argoAdapter, {
      metadata: { name: 'wf', namespace: 'ml' },
      status: { phase: 'Succeeded', nodes: {
        wf: { ...node('wf', 'Steps', ['g0']), name: 'wf' }, g0: node('g0', 'StepGroup', ['fetch', 'lookup']),
        fetch: node('fetch', 'Pod', ['g1']), lookup: node('lookup', 'Pod', ['g1']), g1: node('g1', 'StepGroup', ['train']), train: node('train', 'Pod'),
      } },
    });
    assert.deepEqual(names(events.find((e) => e.job.name === 'wf.train')?.lineage?.upstream), ['ml/wf.fetch', 'ml/wf.lookup']);
  });
});

describe('lineage from generic events', () => {
  const base = { job: { namespace: 'reports', name: 'render' }, run: { id: 'r1' }, type: 'completed', time: '2026-11-24T05:00:00Z' };

  it('takes the datasets and neighbour jobs the event names', () => {
    const [e] = eventsOf(genericAdapter, {
      ...base, inputs: [{ namespace: 'pg', name: 'dw.ledger' }], outputs: [{ namespace: 's3://reports', name: 'close.pdf' }],
      upstream: [{ namespace: 'airflow-prod', name: 'close.publish' }], downstream: [{ namespace: 'mail', name: 'send' }],
    });
    assert.deepEqual(e?.lineage, {
      inputs: ['pg/dw.ledger'], outputs: ['s3://reports/close.pdf'],
      upstream: [{ namespace: 'airflow-prod', name: 'close.publish' }], downstream: [{ namespace: 'mail', name: 'send' }],
    });
  });

  it('refuses a dataset without a namespace, with its path', () => {
    const r = genericAdapter({ ...base, inputs: [{ name: 'dw.ledger' }] }, ctx);
    assert.deepEqual(r.kind === 'rejected' ? r.issues[0]?.path : [], ['inputs', 0, 'namespace']);
  });

  it('ignores a job that names itself as its own upstream', () => {
    const [e] = eventsOf(genericAdapter, { ...base, upstream: [base.job] });
    assert.equal(e?.lineage, undefined);
  });
});

describe('lineage from sources whose payloads carry none', () => {
  it('reads no lineage from Airflow REST task instances or Control-M job statuses', () => {
    const airflow = eventsOf(airflowAdapter, { task_id: 'load_dw', dag_id: 'finance_close', dag_run_id: 'r1', state: 'success', start_date: '2026-11-24T01:00:00Z', end_date: '2026-11-24T01:30:00Z' });
    const statuses = read('controlm', 'jobs-status-ended-not-ok.CONSTRUCTED-example.json') as Record<string, unknown>;
    delete statuses._comment;
    const controlm = eventsOf(controlmAdapter, statuses);
    assert.ok([...airflow, ...controlm].length === 2 && [...airflow, ...controlm].every((e) => e.lineage === undefined));
  });
});

describe('Airflow task id lists', () => {
  it('reads a printed Python list, a printed set and a JSON array', () => {
    assert.deepEqual(airflowTaskIds("['extract', 'group.load']"), ['extract', 'group.load']);
    assert.deepEqual(airflowTaskIds("{'a'}"), ['a']);
    assert.deepEqual(airflowTaskIds('[]'), []);
    assert.deepEqual(airflowTaskIds(['x', 3, '']), ['x']);
    assert.deepEqual(airflowTaskIds(undefined), []);
  });
});
