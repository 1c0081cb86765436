import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { castVote } from '../../src/approvals/vote.ts';
import { buildApp } from '../../src/http/app.ts';
import { getApproval } from '../../src/approvals/sql.ts';
import { createAgentRun, driveAgentRun } from '../../src/agent/run.ts';
import { agentSteps, getAgentRun } from '../../src/agent/sql.ts';
import type { Deps } from '../../src/deps.ts';
import { createFakeAirflow, type FakeAirflow } from '../../src/fakes/airflow.ts';
import { agentKit } from '../support/agent.ts';
import { agentExecutions, agentMedic, DAG, failTask } from '../support/agent-world.ts';
import { clears } from '../support/heal.ts';
import { waitFor } from '../support/servers.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

for (const store of testStores()) {
  describe(`agent steps with the deterministic planner (${store.name})`, () => {
    let db: TestDatabase;
    let fake: FakeAirflow;
    let deps: Deps;

    before(async () => {
      db = await store.open();
      fake = await createFakeAirflow({ api: 'v2' });
      deps = await agentMedic(db, fake, await agentKit(db));
    });
    after(async () => {
      await deps.queue.close();
      await deps.decisionLog.close();
      await fake.close();
      await db.close();
    });

    const start = async (incidentId: number) => {
      const made = await createAgentRun(deps, { incidentId, requestedBy: 'alice' });
      assert.ok(made.kind === 'created', JSON.stringify(made));
      const driven = await driveAgentRun(deps, made.agentRunId);
      assert.equal(driven.kind, 'driven');
      return made.agentRunId;
    };
    const clearsOf = (run: string) => clears(fake).filter((c) => (c.body as { dag_run_id?: string }).dag_run_id === run);

    it('diagnoses a refused connection, retries it through the executor once, and records every step', async () => {
      const incident = await failTask(deps, fake, 'extract', 'p1', 'psycopg2.OperationalError: could not connect to server: Connection refused');
      const id = await start(incident);
      const run = await getAgentRun(deps.pool, id);
      assert.equal(run?.status, 'done');
      assert.equal((run?.diagnosis as { hypotheses: { class: string }[] }).hypotheses[0]?.class, 'network-transient');
      assert.deepEqual((run?.proposal as { option: { action: { kind: string }; policyId: string } }).option.policyId, 'warehouse-retry');
      assert.equal(clearsOf('p1').length, 1, 'the retry reached the fake Airflow once');
      assert.deepEqual((await agentExecutions(deps, id)).map((e) => [e.action.kind, e.state]), [['retry', 'executed']]);
      const steps = await agentSteps(deps.pool, id);
      assert.deepEqual(steps.map((s) => (s.detail.step as string | undefined) ?? s.kind), ['agent.started', 'gather', 'diagnose', 'propose', 'decision.taken', 'act', 'verify']);
      assert.ok(steps.every((s) => s.actor === `agent:diagnose#${id}`));
      const gather = steps[1]?.detail as { tool_calls: { tool: string; allowed: boolean }[] };
      assert.deepEqual(gather.tool_calls.map((c) => c.tool), ['run_history', 'log_excerpt', 'signature_evidence', 'forecast', 'lineage']);
    });

    it('waits for people on a gated rerun, as the requester that may not approve it, and ends without side effects when rejected', async () => {
      const incident = await failTask(deps, fake, 'reconcile', 'p2', 'AssertionError: reconcile found 1204 rows, 58112 rows expected: partial input in dw.ledger');
      const id = await start(incident);
      const waiting = await getAgentRun(deps.pool, id);
      assert.equal(waiting?.status, 'awaiting_approval');
      const approval = await getApproval(deps.pool, waiting?.approval_id ?? 0);
      assert.deepEqual([approval?.action.kind, approval?.requester, approval?.proposed_by], ['rerun', `agent:diagnose#${id}`, `agent:diagnose#${id}`]);
      const self = await castVote(deps, approval?.id ?? 0, { name: `agent:diagnose#${id}`, via: 'api' }, 'approve', null);
      assert.equal(self.kind, 'refused', 'the agent cannot approve its own proposal');
      const rejected = await castVote(deps, approval?.id ?? 0, { name: 'alice', via: 'api' }, 'reject', 'the input is complete now; rerun by hand');
      assert.equal(rejected.kind === 'recorded' && rejected.status, 'rejected');
      const ended = await waitFor('the run to end', async () => {
        const r = await getAgentRun(deps.pool, id);
        return r?.status === 'awaiting_approval' || r?.status === 'running' ? undefined : r;
      });
      assert.equal(ended.status, 'done');
      assert.equal((ended.outcome as { kind: string }).kind, 'rejected');
      assert.deepEqual(await agentExecutions(deps, id), [], 'no execution row');
      assert.equal(clearsOf('p2').length, 0, 'no call at the fake Airflow');
    });

    it('carries out an approved rerun exactly once when the approval resumes the run', async () => {
      const incident = await failTask(deps, fake, 'reconcile_eu', 'p3', 'ValueError: incomplete partition dt=2026-11-23 in dw.ledger');
      const id = await start(incident);
      const approvalId = (await getAgentRun(deps.pool, id))?.approval_id ?? 0;
      const approved = await castVote(deps, approvalId, { name: 'bob', via: 'cli' }, 'approve', null);
      assert.equal(approved.kind === 'recorded' && approved.status, 'approved');
      const ended = await waitFor('the run to end', async () => {
        const r = await getAgentRun(deps.pool, id);
        return r?.status === 'done' ? r : undefined;
      });
      assert.equal((ended.outcome as { kind: string }).kind, 'executed');
      await deps.queue.drain(10_000);
      assert.equal(clearsOf('p3').length, 1, 'one clear, however many workers raced for it');
      assert.deepEqual((await agentExecutions(deps, id)).map((e) => e.state), ['executed']);
    });

    it('starts a run through the API and shows it with its steps', async () => {
      const app = await buildApp(deps);
      try {
        const incident = await failTask(deps, fake, 'publish', 'p5', "KeyError: 'customer_id'");
        const started = await app.inject({ method: 'POST', url: `/v1/incidents/${incident}/agent`, payload: {} });
        assert.equal(started.statusCode, 202, started.body);
        const href = started.json().href as string;
        const shown = await waitFor('the run to end', async () => {
          const r = (await app.inject(href)).json();
          return r.status === 'done' ? r : undefined;
        });
        assert.equal(shown.proposal.option.action.kind, 'notify');
        assert.ok(shown.steps.length >= 5);
        assert.equal((await app.inject({ method: 'POST', url: '/v1/incidents/999999/agent', payload: {} })).statusCode, 404);
        const unknown = await app.inject({ method: 'POST', url: `/v1/incidents/${incident}/agent`, payload: { agent: 'nope' } });
        assert.equal(unknown.statusCode, 400);
        assert.match(unknown.json().error.message, /no prompt "nope"/);
      } finally {
        await app.close();
      }
    });

    it('starts from a policy\'s run_agent in the heal loop, once per decision', async () => {
      const healing = await agentMedic(db, fake, deps.agent, { MEDIC_HEAL: 'on' });
      try {
        const incident = await failTask(healing, fake, 'train', 'p4', 'OOMKilled (exit code 137): container main used 8113Mi of 8Gi limit');
        const runs = await waitFor('an agent run', async () => {
          const r = await healing.pool.query<{ id: number; status: string }>('select id, status from agent_runs where incident_id = $1', [incident]);
          return r.rows.length && r.rows.every((x) => x.status !== 'running') ? r.rows : undefined;
        });
        assert.equal(runs.length, 1);
        const run = await getAgentRun(healing.pool, runs[0]?.id ?? 0);
        assert.equal((run?.diagnosis as { hypotheses: { class: string }[] }).hypotheses[0]?.class, 'resource-exhausted');
        assert.notEqual(run?.trigger_decision_id, null);
        assert.ok(fake.state.dags.has(DAG));
      } finally {
        await healing.queue.close();
        await healing.decisionLog.close();
      }
    });
  });
}
