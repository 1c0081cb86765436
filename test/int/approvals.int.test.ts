import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFakeAirflow, type FakeAirflow } from '../../src/fakes/airflow.ts';
import { resolutionStats } from '../../src/incidents/read-sql.ts';
import { castVote } from '../../src/approvals/vote.ts';
import { createInProcessQueue } from '../../src/queue/in-process.ts';
import { runExecution } from '../../src/remediation/execute.ts';
import { healSweep } from '../../src/remediation/sweep.ts';
import { airflowConnection, clears, failureInput, GATED_POLICIES, healConfig, ingestAndSettle, minutesAgo, policiesFrom, taskInstance } from '../support/heal.ts';
import { testStores } from '../support/stores.ts';
import { workingAppForSuite } from '../support/world.ts';

const MESSAGE = 'psycopg2.OperationalError: could not connect to server: Connection refused';

for (const store of testStores()) {
  describe(`approvals and their executions at the fake Airflow (${store.name})`, () => {
    let fake: FakeAirflow;
    let skewMs = 0;
    const suite = workingAppForSuite(store, async () => {
      fake = await createFakeAirflow({ api: 'v2' });
      fake.state.addDag('finance_close', { extract: ['load_dw', 'load_ledger'], load_dw: ['publish_reports'], load_ledger: [], publish_reports: [] });
      const deps = { config: healConfig([airflowConnection(fake)]), policies: await policiesFrom(GATED_POLICIES), clock: () => new Date(Date.now() + skewMs) };
      return { deps, close: () => fake.close() };
    });

    /** A failed first try of `task` in run `run`, at the fake and in Medic; the decision its callback asks for. */
    async function failedTry(task: string, run: string, extra: Record<string, unknown> = {}) {
      fake.state.addTaskInstance({ dag_id: 'finance_close', dag_run_id: run, task_id: task, state: 'failed', try_number: 1 });
      await ingestAndSettle(suite.deps, 'airflow', 'airflow-prod', [taskInstance({ run, task, state: 'failed', try: 1, start: minutesAgo(10), end: minutesAgo(5) })]);
      const res = await suite.app.inject({ method: 'POST', url: '/v1/decide', payload: failureInput(`airflow-prod/finance_close.${task}`, run, MESSAGE, extra) });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { decision_id: string; approval_id: number | null; result: { requires_approval: boolean } };
    }
    const vote = (id: number, verdict: 'approve' | 'reject' | 'modify', body: Record<string, unknown>) =>
      suite.app.inject({ method: 'POST', url: `/v1/approvals/${id}/${verdict}`, payload: body });
    const audit = async (q: string) => ((await suite.app.inject(`/v1/audit?${q}`)).json().entries as { kind: string; actor: string; detail: Record<string, string> }[]);

    it('runs a gated retry once approved: one real clear at the fake, verified by the next try, learned in the statistics', async () => {
      const asked = await failedTry('load_dw', 'r1');
      assert.equal(asked.result.requires_approval, true);
      assert.ok(asked.approval_id);
      const approval = (await suite.app.inject(`/v1/approvals/${asked.approval_id}`)).json();
      assert.equal(approval.status, 'pending');
      assert.ok(approval.incident_id, 'the approval knows the incident of the failed try');
      assert.match(approval.evidence.signature.template, /could not connect to server/);
      assert.equal(approval.dry_run.kind, 'request');
      assert.equal(approval.dry_run.method, 'POST');
      assert.equal(approval.dry_run.url, `${fake.url}/api/v2/dags/finance_close/clearTaskInstances`);
      assert.equal(approval.dry_run.body.dry_run, false);
      assert.deepEqual(approval.dry_run.body.task_ids, ['load_dw']);
      assert.equal(clears(fake).length, 0, 'the dry run sends nothing');

      const res = await vote(asked.approval_id, 'approve', { as: 'alice', reason: 'the warehouse is back' });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().status, 'approved');
      await suite.deps.queue.drain(20_000);
      assert.equal(clears(fake).length, 1);
      assert.deepEqual(clears(fake)[0]?.body, approval.dry_run.body, 'the execution sends what the dry run showed');
      const execution = (await suite.app.inject(`/v1/executions/${res.json().executionId}`)).json();
      assert.equal(execution.state, 'executed');
      assert.equal(execution.verification, 'awaiting');
      assert.equal(execution.actor, 'alice');

      fake.state.tick();
      fake.state.tick();
      fake.state.complete('finance_close', 'r1', 'load_dw', 'success');
      assert.equal(fake.state.taskInstance('finance_close', 'r1', 'load_dw')?.try_number, 2);
      await ingestAndSettle(suite.deps, 'airflow', 'airflow-prod', [taskInstance({ run: 'r1', task: 'load_dw', state: 'success', try: 2, start: minutesAgo(2), end: minutesAgo(0) })]);
      const verified = (await suite.app.inject(`/v1/executions/${execution.id}`)).json();
      assert.equal(verified.verification, 'succeeded');
      const incident = (await suite.app.inject(`/v1/incidents/${approval.incident_id}`)).json();
      assert.equal(incident.status, 'resolved');
      assert.deepEqual([incident.resolution.action, incident.resolution.actor, incident.resolution.outcome], ['retry', 'alice', 'success']);
      assert.ok(incident.resolution.time_to_recover_ms > 0);
      const outcomes = await suite.db.pool.query('select action, outcome from action_outcomes where execution_id = $1', [execution.id]);
      assert.deepEqual(outcomes.rows, [{ action: 'retry', outcome: 'success' }]);
      const stats = await resolutionStats(suite.db.pool, [incident.signature.id]);
      assert.deepEqual(stats.map((s) => [s.action, s.successes, s.attempts]), [['retry', 1, 1]]);
      const kinds = (await audit(`approval=${asked.approval_id}`)).map((e) => e.kind);
      assert.deepEqual(kinds, ['decision.taken', 'approval.requested', 'approval.vote', 'approval.approved', 'execution.queued', 'execution.claimed',
        'execution.sent', 'execution.executed', 'verification.succeeded', 'incident.resolved']);
    });

    it('never executes a rejected request, and refuses a later approval with 409', async () => {
      const asked = await failedTry('load_ledger', 'r2');
      const before = clears(fake).length;
      assert.equal((await vote(asked.approval_id ?? 0, 'reject', { as: 'bob' })).statusCode, 400, 'a rejection says why');
      const res = await vote(asked.approval_id ?? 0, 'reject', { as: 'bob', reason: 'the ledger is being restored' });
      assert.equal(res.json().status, 'rejected');
      const late = await vote(asked.approval_id ?? 0, 'approve', { as: 'alice' });
      assert.equal(late.statusCode, 409);
      await suite.deps.queue.drain(20_000);
      assert.equal(clears(fake).length, before);
      assert.equal((await suite.db.pool.query('select 1 from executions e join approvals a on a.decision_id = e.decision_id where a.id = $1', [asked.approval_id])).rowCount, 0);
    });

    it('never executes an expired request: the sweep expires it, and a vote after expiry is refused with 409', async () => {
      const before = clears(fake).length;
      const swept = await failedTry('load_dw', 'r3');
      skewMs = 61 * 60_000;
      try {
        assert.equal((await healSweep(suite.deps)).lapsed, 1);
        assert.equal((await suite.app.inject(`/v1/approvals/${swept.approval_id}`)).json().status, 'expired');
        assert.equal((await vote(swept.approval_id ?? 0, 'approve', { as: 'alice' })).statusCode, 409);
      } finally {
        skewMs = 0;
      }
      const lazy = await failedTry('load_dw', 'r4');
      skewMs = 61 * 60_000;
      try {
        // Not swept: the vote itself finds the request out of time.
        const res = await vote(lazy.approval_id ?? 0, 'approve', { as: 'alice' });
        assert.equal(res.statusCode, 409);
        assert.match(res.json().error.message, /expired/);
      } finally {
        skewMs = 0;
      }
      await suite.deps.queue.drain(20_000);
      assert.equal(clears(fake).length, before);
      for (const id of [swept.approval_id, lazy.approval_id]) {
        const kinds = (await audit(`approval=${id}`)).map((e) => e.kind);
        assert.deepEqual(kinds, ['decision.taken', 'approval.requested', 'approval.expired', 'approval.vote']);
      }
    });

    it('needs two distinct approvers for a quorum of two, and counts only approvals of the modified version', async () => {
      fake.state.addTaskInstance({ dag_id: 'finance_close', dag_run_id: 'r5', task_id: 'load_dw', state: 'success', try_number: 1 });
      await ingestAndSettle(suite.deps, 'airflow', 'airflow-prod', [taskInstance({ run: 'r5', task: 'load_dw', state: 'success', try: 1, start: minutesAgo(30), end: minutesAgo(20) })]);
      const asked = await failedTry('publish_reports', 'r5');
      const id = asked.approval_id ?? 0;
      assert.equal((await vote(id, 'approve', { as: 'alice' })).json().status, 'pending');
      const twice = await vote(id, 'approve', { as: 'alice' });
      assert.equal(twice.statusCode, 409, 'the same approver twice is not a quorum');
      assert.equal((await vote(id, 'approve', { as: 'carol' })).statusCode, 403, 'carol is not in data-oncall');
      assert.equal((await vote(id, 'modify', { as: 'bob', from_task: 'drop_everything' })).statusCode, 400, 'not a task of the run');
      const moved = await vote(id, 'modify', { as: 'bob', from_task: 'load_dw', reason: 'the load wrote partial data' });
      assert.equal(moved.statusCode, 200, moved.body);
      const modified = (await suite.app.inject(`/v1/approvals/${id}`)).json();
      assert.equal(modified.action_version, 2);
      assert.deepEqual(modified.dry_run.body.task_ids, ['load_dw']);
      assert.deepEqual(modified.approvals, { have: 0, need: 2 }, "alice's approval was of the first version");
      const stale = await vote(id, 'approve', { as: 'bob', action_version: 1 });
      assert.equal(stale.statusCode, 409, 'a vote on the version before the modification is stale');
      assert.match(stale.json().error.message, /changed to version 2/);
      assert.equal((await vote(id, 'approve', { as: 'bob' })).json().status, 'pending');
      const done = await vote(id, 'approve', { as: 'alice' });
      assert.equal(done.json().status, 'approved');
      await suite.deps.queue.drain(20_000);
      const sent = clears(fake).filter((c) => (c.body as { dag_run_id: string }).dag_run_id === 'r5');
      assert.equal(sent.length, 1);
      assert.deepEqual((sent[0]?.body as { task_ids: string[] }).task_ids, ['load_dw']);
      assert.equal((await suite.app.inject(`/v1/executions/${done.json().executionId}`)).json().actor, 'bob, alice');
    });

    it('refuses the requester as approver when the policy asks for separation of duties', async () => {
      const asked = await failedTry('load_dw', 'r6', { requester: 'alice' });
      const res = await vote(asked.approval_id ?? 0, 'approve', { as: 'alice' });
      assert.equal(res.statusCode, 403);
      assert.match(res.json().error.message, /separation of duties/);
      assert.equal((await vote(asked.approval_id ?? 0, 'approve', { as: 'bob' })).json().status, 'approved');
      await suite.deps.queue.drain(20_000);
    });

    it('opens one request however often the orchestrator asks about one failure', async () => {
      const first = await failedTry('load_dw', 'r8');
      const again = await suite.app.inject({ method: 'POST', url: '/v1/decide', payload: failureInput('airflow-prod/finance_close.load_dw', 'r8', MESSAGE) });
      assert.notEqual(again.json().decision_id, first.decision_id, 'each ask is a decision in the log');
      assert.equal(again.json().approval_id, first.approval_id, 'but both wait for the same approval');
      assert.equal((await vote(first.approval_id ?? 0, 'reject', { as: 'bob', reason: 'not now' })).json().status, 'rejected');
    });

    it('ends a pending request whose incident ended without it, so that nothing acts twice', async () => {
      const asked = await failedTry('load_dw', 'r9');
      const approval = (await suite.app.inject(`/v1/approvals/${asked.approval_id}`)).json();
      // Someone fixed it by hand before anyone answered.
      const res = await suite.app.inject({ method: 'POST', url: `/v1/incidents/${approval.incident_id}/resolve`, payload: { action: 'manual_fix', actor: 'carol' } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((await healSweep(suite.deps)).lapsed, 1);
      assert.equal((await suite.app.inject(`/v1/approvals/${asked.approval_id}`)).json().status, 'expired');
      const last = (await audit(`approval=${asked.approval_id}`)).at(-1);
      assert.equal(last?.kind, 'approval.expired');
      assert.match(last?.detail.because ?? '', /the incident ended before an answer/);
      assert.equal((await vote(asked.approval_id ?? 0, 'approve', { as: 'alice' })).statusCode, 409);
    });

    it('makes one call when the execute job is started twice at once, and none when it is delivered again', async () => {
      fake.state.addTaskInstance({ dag_id: 'finance_close', dag_run_id: 'r7', task_id: 'load_dw', state: 'failed', try_number: 1 });
      await ingestAndSettle(suite.deps, 'airflow', 'airflow-prod', [taskInstance({ run: 'r7', task: 'load_dw', state: 'failed', try: 1, start: minutesAgo(10), end: minutesAgo(5) })]);
      const asked = (await suite.app.inject({ method: 'POST', url: '/v1/decide', payload: failureInput('airflow-prod/finance_close.load_dw', 'r7', MESSAGE) })).json();
      // The vote goes to a queue without workers, so that the test starts the execute job itself.
      const idle = createInProcessQueue();
      const approved = await castVote({ ...suite.deps, queue: idle }, asked.approval_id, { name: 'alice', via: 'api' }, 'approve', null);
      assert.equal(approved.kind, 'recorded');
      const id = approved.kind === 'recorded' ? approved.executionId ?? 0 : 0;
      const before = clears(fake).length;
      const results = await Promise.all([runExecution(suite.deps, id), runExecution(suite.deps, id)]);
      assert.deepEqual(results.map((r) => r.kind).sort(), ['executed', 'not-claimable']);
      assert.equal((await runExecution(suite.deps, id)).kind, 'not-claimable');
      assert.equal(clears(fake).length, before + 1);
      await idle.close();
    });
  });
}
