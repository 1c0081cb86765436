import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Action } from '../../src/policies/action.ts';
import { resolveTarget, type TargetableRun } from '../../src/remediation/target.ts';

const RUN = 'scheduled__2026-11-24T00:00:00+00:00';
const retry = Action.parse({ kind: 'retry' });

/** A task run as the Airflow adapter stores it. */
function airflowTask(dagId: string, task: string, extra: Partial<TargetableRun> = {}): TargetableRun {
  return {
    source: 'airflow-prod', orchestrator: 'airflow', namespace: 'airflow-prod', name: `${dagId}.${task}`, runKey: RUN,
    externalId: `${dagId}/${RUN}/${task}/2`, facets: { state: 'failed' }, parent: { namespace: 'airflow-prod', name: dagId, runKey: RUN }, ...extra,
  };
}

describe('target resolution', () => {
  it('targets the failed Airflow task instance of its DAG run for a retry', () => {
    assert.deepEqual(resolveTarget(airflowTask('finance_close', 'load_dw'), retry), {
      kind: 'target',
      target: { kind: 'airflow', dagId: 'finance_close', dagRunId: RUN, taskIds: ['load_dw'], includeDownstream: false, onlyFailed: true },
    });
  });

  it('splits a dotted DAG id and a task-group task id where Airflow did, by the parent DAG', () => {
    const r = resolveTarget(airflowTask('finance.close', 'load.dw_orders'), retry);
    assert.deepEqual(r.kind === 'target' && r.target.kind === 'airflow' && [r.target.dagId, r.target.taskIds], ['finance.close', ['load.dw_orders']]);
  });

  it('falls back to the external id when there is no parent, and prefers facets that name the DAG', () => {
    const noParent = airflowTask('finance.close', 'load_dw', { parent: { namespace: 'airflow-prod', name: 'other', runKey: 'other-run' } });
    const r1 = resolveTarget(noParent, retry);
    assert.equal(r1.kind === 'target' && r1.target.kind === 'airflow' && r1.target.dagId, 'finance.close');
    const faceted = airflowTask('finance.close', 'load_dw', { facets: { dag_id: 'finance.close', task_id: 'load_dw' }, externalId: 'x' });
    const r2 = resolveTarget(faceted, retry);
    assert.equal(r2.kind === 'target' && r2.target.kind === 'airflow' && r2.target.dagId, 'finance.close');
  });

  it('names the map index of a mapped task instance', () => {
    const r = resolveTarget(airflowTask('fanout', 'shard[3]'), retry);
    assert.deepEqual(r.kind === 'target' && r.target.kind === 'airflow' && [r.target.taskIds, r.target.mapIndex], [['shard'], 3]);
  });

  it('reruns from the named task with its downstream tasks, failed or not', () => {
    const rerun = Action.parse({ kind: 'rerun', from_task: 'extract' });
    const r = resolveTarget(airflowTask('fanout', 'shard[3]'), rerun);
    assert.deepEqual(r.kind === 'target' && r.target, {
      kind: 'airflow', dagId: 'fanout', dagRunId: RUN, taskIds: ['extract'], includeDownstream: true, onlyFailed: false,
    });
  });

  it('targets every failed task of a failed DAG run', () => {
    const dagRun: TargetableRun = { ...airflowTask('finance_close', 'x'), name: 'finance_close', externalId: `finance_close/${RUN}`, parent: null };
    const r = resolveTarget(dagRun, retry);
    assert.deepEqual(r.kind === 'target' && r.target.kind === 'airflow' && [r.target.dagId, r.target.taskIds], ['finance_close', []]);
  });

  it('refuses an Airflow job that is not a task of its parent DAG', () => {
    const r = resolveTarget(airflowTask('finance_close', 'load_dw', { name: 'elsewhere.load_dw' }), retry);
    assert.equal(r.kind, 'untargetable');
  });

  it('targets the Argo workflow and the node of a pod run', () => {
    const pod: TargetableRun = {
      source: 'argo-ml', orchestrator: 'argo', namespace: 'ml', name: 'train.fit', runKey: '7345-uid/train-x1-396',
      externalId: 'train-x1-4286', facets: { workflow: 'train-x1', node: 'train-x1.fit', phase: 'Failed' },
      parent: { namespace: 'ml', name: 'train', runKey: '7345-uid' },
    };
    assert.deepEqual(resolveTarget(pod, retry), { kind: 'target', target: { kind: 'argo', namespace: 'ml', name: 'train-x1', nodeFieldSelector: 'id=train-x1-396' } });
    const workflow: TargetableRun = { ...pod, name: 'train', runKey: '7345-uid', externalId: 'train-x1', facets: { workflow: 'train-x1', argoNamespace: 'ml' }, parent: null };
    assert.deepEqual(resolveTarget(workflow, retry), { kind: 'target', target: { kind: 'argo', namespace: 'ml', name: 'train-x1' } });
  });

  it('says why an Argo run without its workflow name cannot be targeted', () => {
    const r = resolveTarget({ source: 'argo', orchestrator: 'argo', namespace: 'ml', name: 'train', runKey: 'k', externalId: 'k', facets: {}, parent: null }, retry);
    assert.deepEqual(r, { kind: 'untargetable', reason: 'Argo run of "train" does not name its workflow (facet "workflow")' });
  });

  it('targets a Control-M job order by its id', () => {
    const run: TargetableRun = { source: 'ctm-prod', orchestrator: 'controlm', namespace: 'workbench', name: 'Demo/load_dw', runKey: 'workbench:0001i', externalId: 'workbench:0001i', facets: {}, parent: null };
    assert.deepEqual(resolveTarget(run, retry), { kind: 'target', target: { kind: 'controlm', jobId: 'workbench:0001i' } });
  });

  it("targets Airflow for an OpenLineage run from Airflow's provider", () => {
    const run: TargetableRun = {
      source: 'airflow-prod', orchestrator: 'openlineage', namespace: 'airflow-prod', name: 'close.load', runKey: RUN,
      externalId: '0190c3b4-uuid', facets: { producer: 'https://github.com/apache/airflow/tree/providers-openlineage/1.8.0' },
      parent: { namespace: 'airflow-prod', name: 'close', runKey: '0190c3b0-uuid' },
    };
    const r = resolveTarget(run, retry);
    assert.deepEqual(r.kind === 'target' && r.target.kind === 'airflow' && [r.target.dagId, r.target.dagRunId, r.target.taskIds], ['close', RUN, ['load']]);
  });

  it('says a generic run names no orchestrator API, and sends a webhook action to its URL', () => {
    const run: TargetableRun = { source: 'batch', orchestrator: 'generic', namespace: 'batch', name: 'nightly', runKey: 'r1', externalId: 'r1', facets: {}, parent: null };
    assert.equal(resolveTarget(run, retry).kind, 'untargetable');
    const hook = resolveTarget(run, Action.parse({ kind: 'webhook', url: 'https://hooks.example/batch' }));
    assert.deepEqual(hook, { kind: 'target', target: { kind: 'webhook', url: 'https://hooks.example/batch', run: { source: 'batch', namespace: 'batch', name: 'nightly', runKey: 'r1', externalId: 'r1' } } });
  });
});
