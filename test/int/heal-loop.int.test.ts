import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { createFakeAirflow, type FakeAirflow } from '../../src/fakes/airflow.ts';
import { buildHandlers } from '../../src/handlers.ts';
import { analyseFailure } from '../../src/incidents/analyse.ts';
import { ingest } from '../../src/ingest/ingest.ts';
import { createInProcessQueue } from '../../src/queue/in-process.ts';
import { buildApp } from '../../src/http/app.ts';
import { resolutionStats } from '../../src/incidents/read-sql.ts';
import type { PolicyStore } from '../../src/policies/store.ts';
import { testDeps } from '../support/deps.ts';
import { airflowConnection, airflowTry, clears, healConfig, ingestAndSettle, policiesFrom } from '../support/heal.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

const RETRY = (approval: string) => `
policies:
  - id: warehouse-retry
    description: The warehouse refuses connections while it fails over; retry at once.
    priority: 100
    match: { signature: { template: "could not connect to server" } }
    action: { kind: retry, delay_s: 0, max_attempts: 5 }
    approval: ${approval}
`;

for (const store of testStores()) {
  describe(`the self-healing loop against the fake Airflow (${store.name})`, () => {
    let db: TestDatabase;
    let fake: FakeAirflow;
    const opened: { deps: Deps; app: FastifyInstance }[] = [];

    before(async () => {
      db = await store.open();
      fake = await createFakeAirflow({ api: 'v2' });
    });
    after(async () => {
      for (const o of opened) {
        await o.app.close();
        await o.deps.queue.close();
        await o.deps.decisionLog.close();
      }
      await fake.close();
      await db.close();
    });

    async function medic(config: Config, policies: PolicyStore) {
      const deps = testDeps(db, { config, policies });
      deps.queue.startWorkers(buildHandlers(deps), { concurrency: 2 });
      const app = await buildApp(deps);
      opened.push({ deps, app });
      return { deps, app };
    }

    // Tries happen in order, a couple of minutes apart, within the last half hour.
    const t0 = Date.now() - 30 * 60_000;
    let minute = 0;

    /** A try of load_dw in `run` as the fake Airflow plays it, ingested as Airflow's OpenLineage provider reports it. */
    async function tryOf(deps: Deps, dag: string, run: string, n: number, state: 'failed' | 'success') {
      if (n === 1) fake.state.addTaskInstance({ dag_id: dag, dag_run_id: run, task_id: 'load_dw', state: 'failed', try_number: 0 });
      else {
        fake.state.tick();
        fake.state.tick();
      }
      const ti = n === 1 ? fake.state.taskInstance(dag, run, 'load_dw') : fake.state.complete(dag, run, 'load_dw', state);
      if (ti && n === 1) Object.assign(ti, { try_number: 1, state });
      minute += 2;
      const at = (m: number) => new Date(t0 + m * 60_000).toISOString();
      await ingestAndSettle(deps, 'openlineage', 'airflow-prod', airflowTry({ dag, run, task: 'load_dw', state, try: n, start: at(minute - 1), end: at(minute) }));
    }

    it('heals an ungated failure end to end, and the audit log of the incident tells the whole story', async () => {
      const { deps, app } = await medic(healConfig([airflowConnection(fake)], { MEDIC_HEAL: 'on' }), await policiesFrom(RETRY('{ kind: none }')));
      fake.state.addDag('ungated', { load_dw: [] });
      await tryOf(deps, 'ungated', 'r1', 1, 'failed');
      const incident = (await app.inject('/v1/incidents?status=open')).json().incidents[0];
      assert.ok(incident, 'the failure opened an incident');
      const sent = clears(fake).filter((c) => (c.body as { dag_run_id: string }).dag_run_id === 'r1');
      assert.equal(sent.length, 1, 'the decision was executed at the fake Airflow');
      assert.equal(fake.state.taskInstance('ungated', 'r1', 'load_dw')?.state, null, 'the clear reset the failed task');
      await tryOf(deps, 'ungated', 'r1', 2, 'success');
      const resolved = (await app.inject(`/v1/incidents/${incident.id}`)).json();
      assert.equal(resolved.status, 'resolved');
      assert.deepEqual([resolved.resolution.action, resolved.resolution.actor], ['retry', 'medic']);
      const stats = await resolutionStats(db.pool, [incident.signature.id]);
      assert.deepEqual(stats.map((s) => [s.action, s.successes, s.attempts]), [['retry', 1, 1]]);
      const story = (await app.inject(`/v1/audit?incident=${incident.id}`)).json().entries as { kind: string; actor: string }[];
      assert.deepEqual(story.map((e) => e.kind), [
        'decision.taken', 'execution.queued', 'execution.claimed', 'execution.sent', 'execution.executed', 'verification.succeeded', 'incident.resolved',
      ]);
      assert.ok(story.every((e) => e.actor === 'medic'));
    });

    it('counts an execution the next try proved useless as a failure of the action, and decides again', async () => {
      const { deps, app } = await medic(healConfig([airflowConnection(fake)], { MEDIC_HEAL: 'on' }), await policiesFrom(RETRY('{ kind: none }')));
      await tryOf(deps, 'ungated', 'r2', 1, 'failed');
      await tryOf(deps, 'ungated', 'r2', 2, 'failed');
      await tryOf(deps, 'ungated', 'r2', 3, 'success');
      const sent = clears(fake).filter((c) => (c.body as { dag_run_id: string }).dag_run_id === 'r2');
      assert.equal(sent.length, 2, 'one retry per failed try');
      const verdicts = await db.pool.query<{ verification: string }>(
        `select e.verification from executions e join runs r on r.id = e.run_id where r.run_key = 'r2' order by e.id`);
      assert.deepEqual(verdicts.rows.map((r) => r.verification), ['failed', 'succeeded']);
      const incident = (await app.inject('/v1/incidents?status=resolved')).json().incidents[0];
      const stats = await resolutionStats(db.pool, [incident.signature.id]);
      assert.deepEqual(stats.map((s) => [s.action, s.successes, s.attempts]), [['retry', 2, 3]], 'the useless retry counts against the rate');
    });

    it('still decides when an analysis committed but its job failed before Medic decided, and only once', async () => {
      const { deps } = await medic(healConfig([airflowConnection(fake)], { MEDIC_HEAL: 'on' }), await policiesFrom(RETRY('{ kind: none }')));
      const idle = { ...deps, queue: createInProcessQueue() };
      minute += 2;
      fake.state.addTaskInstance({ dag_id: 'ungated', dag_run_id: 'r4', task_id: 'load_dw', state: 'failed', try_number: 1 });
      // Stored, and analysed by hand: as if the job died after the analysis committed.
      await ingest(idle, { orchestrator: 'openlineage', source: 'airflow-prod', timeZone: 'UTC', receivedAt: new Date(),
        items: airflowTry({ dag: 'ungated', run: 'r4', task: 'load_dw', state: 'failed', try: 1, start: new Date(t0 + (minute - 1) * 60_000).toISOString(), end: new Date(t0 + minute * 60_000).toISOString() }) });
      const run = (await db.pool.query<{ id: number }>(`select r.id from runs r join jobs j on j.id = r.job_id where r.run_key = 'r4' and j.name = 'ungated.load_dw'`)).rows[0]?.id ?? 0;
      assert.equal((await analyseFailure({ ...deps, stormWindowMs: deps.config.stormWindowMs }, run, 1)).kind, 'attached');
      const redeliver = () => buildHandlers(deps)['analyse-failure']({ runId: run, attempt: 1 }, { attempt: 2, jobId: 'again' });
      await redeliver();
      await redeliver();
      await deps.queue.drain(20_000);
      await idle.queue.close();
      const decided = await db.pool.query(`select 1 from decisions where run_key = 'r4'`);
      assert.equal(decided.rowCount, 1, 'one decision however often the analysis is delivered');
      assert.equal(clears(fake).filter((c) => (c.body as { dag_run_id: string }).dag_run_id === 'r4').length, 1);
      await tryOf(deps, 'ungated', 'r4', 2, 'success');
    });

    it('decides but does nothing in shadow mode', async () => {
      const { deps } = await medic(healConfig([airflowConnection(fake)], { MEDIC_HEAL: 'shadow' }), await policiesFrom(RETRY('{ kind: none }')));
      const before = clears(fake).length;
      await tryOf(deps, 'ungated', 'r3', 1, 'failed');
      assert.equal(clears(fake).length, before);
      const logged = await db.pool.query<{ action: string; enforced: boolean }>(`select action, enforced from decisions where run_key = 'r3'`);
      assert.deepEqual(logged.rows, [{ action: 'retry', enforced: false }]);
      assert.equal((await db.pool.query(`select 1 from executions e join runs r on r.id = e.run_id where r.run_key = 'r3'`)).rowCount, 0);
    });

    it('proposes promoting a gated retry once its record passes the bar, as a policy to review, never applied', async () => {
      const config = healConfig([airflowConnection(fake)], { MEDIC_HEAL: 'on', MEDIC_PROMOTE_MIN_ATTEMPTS: '4', MEDIC_PROMOTE_MIN_SUCCESS: '0.75' });
      const policies = await policiesFrom(RETRY('{ kind: one_of, groups: [data-oncall] }'));
      const { deps, app } = await medic(config, policies);
      fake.state.addDag('gated', { load_dw: [] });
      // Retries fixed this signature three times in four before (r1; r2 at its second retry; r4): one more makes 4 of 5.
      await tryOf(deps, 'gated', 'g1', 1, 'failed');
      const pending = (await app.inject('/v1/approvals?status=pending')).json().approvals;
      assert.equal(pending.length, 1, 'a gated decision of the loop asks for approval');
      assert.equal((await app.inject({ method: 'POST', url: `/v1/approvals/${pending[0].id}/approve`, payload: { as: 'medic' } })).statusCode, 403, 'Medic may not approve its own request');
      assert.equal((await app.inject({ method: 'POST', url: `/v1/approvals/${pending[0].id}/approve`, payload: { as: 'alice' } })).json().status, 'approved');
      await deps.queue.drain(20_000);
      assert.equal((await app.inject('/v1/policies/proposals')).json().proposals.length, 0, 'nothing is proposed before the verdict');
      await tryOf(deps, 'gated', 'g1', 2, 'success');
      const proposals = (await app.inject('/v1/policies/proposals')).json().proposals;
      assert.equal(proposals.length, 1);
      assert.equal(proposals[0].policy_id, 'warehouse-retry');
      assert.match(proposals[0].yaml, /approval:\n\s+kind: none/);
      assert.match(proposals[0].yaml, /ids:\n\s+- \d+/);
      assert.deepEqual(policies.current().policies.map((p) => p.id), ['warehouse-retry'], 'the loaded policies are unchanged');
      const kinds = (await app.inject(`/v1/audit?approval=${pending[0].id}`)).json().entries.map((e: { kind: string }) => e.kind);
      assert.deepEqual(kinds.slice(-3), ['verification.succeeded', 'incident.resolved', 'proposal.made']);
    });
  });
}
