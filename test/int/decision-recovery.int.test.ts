import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decide } from '../../src/decide/decide.ts';
import { DecideRequest } from '../../src/decide/schema.ts';
import type { Deps } from '../../src/deps.ts';
import { analyseFailure } from '../../src/incidents/analyse.ts';
import { requeueUnanalysed } from '../../src/incidents/unanalysed.ts';
import { ingest } from '../../src/ingest/ingest.ts';
import type { JobQueue } from '../../src/queue/queue.ts';
import { createInProcessQueue } from '../../src/queue/in-process.ts';
import { graceMsOf, recoverDecisions } from '../../src/remediation/recover.ts';
import { failureInput, GATED_POLICIES, healConfig, policiesFrom } from '../support/heal.ts';
import { testDeps } from '../support/deps.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

/** A queue that remembers what it was given and runs nothing: a queue whose jobs were lost. */
function forgetfulQueue(): JobQueue & { given: { name: string; payload: unknown }[] } {
  const inner = createInProcessQueue();
  const given: { name: string; payload: unknown }[] = [];
  return Object.assign(Object.create(inner) as JobQueue, { kind: inner.kind, given, enqueue: async (name: string, payload: unknown) => { given.push({ name, payload }); } }) as JobQueue & { given: typeof given };
}

/** Stores one failed attempt of `etl/<name>` through a queue that loses its analysis; the run's id. */
async function storeLostFailure(deps: Deps, queue: ReturnType<typeof forgetfulQueue>, name: string, failedAt: Date, message: string, receivedAt: Date): Promise<number> {
  const summary = await ingest(deps, { orchestrator: 'generic', source: 'generic', timeZone: 'UTC', receivedAt, items: [
    { job: { namespace: 'etl', name }, run: { id: `${name}-1`, key: `${name}-1`, attempt: 1 }, type: 'failed', time: failedAt.toISOString(), error: { message } },
  ] });
  assert.equal(summary.accepted, 1);
  const runId = (queue.given.find((g) => g.name === 'analyse-failure')?.payload as { runId: number }).runId;
  queue.given.length = 0;
  return runId;
}

async function closeDeps(deps: Deps) {
  await deps.queue.close();
  await deps.decisionLog.close();
}

for (const store of testStores()) {
  describe(`following up what a crash left half done (${store.name})`, () => {
    let db: TestDatabase;
    before(async () => { db = await store.open(); });
    after(() => db.close());

    it('opens the approval request of a gated decision logged without one, once, after the grace, and says so in the audit log', async () => {
      let now = Date.now();
      const deps = testDeps(db, { config: healConfig([]), policies: await policiesFrom(GATED_POLICIES), clock: () => new Date(now) });
      try {
        // gate: false is the crash: the decision is logged, its request never made.
        const { input } = DecideRequest.parse(failureInput('airflow-prod/finance_close.load_dw', 'r1', 'could not connect to server: Connection refused'));
        const answer = await decide(deps, input, { gate: false });
        assert.equal(answer.result.requires_approval, true, JSON.stringify(answer.result));
        assert.equal(answer.approval_id, null);
        assert.deepEqual(await recoverDecisions(deps), [], 'within the grace its request may still be on its way');

        now += 60_000;
        const recovered = await recoverDecisions(deps);
        assert.deepEqual(recovered.map((r) => r.kind), ['approval']);
        assert.deepEqual(await recoverDecisions(deps), [], 'followed up once');
        const approvals = await db.pool.query<{ id: number }>('select id from approvals where decision_id = $1', [answer.decision_id]);
        assert.equal(approvals.rows.length, 1);
        const kinds = await db.pool.query<{ kind: string }>('select kind from audit_log where decision_id = $1 order by id', [answer.decision_id]);
        assert.deepEqual(kinds.rows.map((k) => k.kind), ['decision.taken', 'approval.requested', 'decision.recovered']);
      } finally {
        await closeDeps(deps);
      }
    });

    it('queues again the analysis of a failure stored while the queue lost its job, and not once it is analysed', async () => {
      let now = Date.now();
      const queue = forgetfulQueue();
      const deps = testDeps(db, { queue, clock: () => new Date(now) });
      try {
        const runId = await storeLostFailure(deps, queue, 'load', new Date(now - 1_000), 'disk /data is 97% full', new Date(now));
        now += 60_000;
        assert.equal(await requeueUnanalysed(deps, graceMsOf(deps.config.healSweepMs)), 1);
        assert.deepEqual(queue.given.map((g) => [g.name, g.payload]), [['analyse-failure', { runId, attempt: 1 }]]);
        await analyseFailure({ ...deps, stormWindowMs: deps.config.stormWindowMs }, runId, 1);
        assert.equal(await requeueUnanalysed(deps, graceMsOf(deps.config.healSweepMs)), 0, 'an analysed failure is left alone');
      } finally {
        await closeDeps(deps);
      }
    });

    it('queues again the analysis of a failure backfilled from weeks ago, by when it was stored', async () => {
      let now = Date.now();
      const queue = forgetfulQueue();
      const deps = testDeps(db, { queue, clock: () => new Date(now) });
      try {
        const runId = await storeLostFailure(deps, queue, 'backfilled', new Date(now - 21 * 86_400_000), 'checksum mismatch in part-0007', new Date(now));
        now += 60_000;
        assert.equal(await requeueUnanalysed(deps, graceMsOf(deps.config.healSweepMs)), 1);
        assert.deepEqual(queue.given.map((g) => [g.name, g.payload]), [['analyse-failure', { runId, attempt: 1 }]]);
        now += 2 * deps.config.healMaxAgeMs;
        assert.equal(await requeueUnanalysed(deps, graceMsOf(deps.config.healSweepMs)), 0, 'stored longer ago than the horizon');

        // A run stored while it ran and failing later is recorded as failed when that is stored.
        const event = (type: 'started' | 'failed', at: number) => ingest(deps, { orchestrator: 'generic', source: 'generic', timeZone: 'UTC', receivedAt: new Date(now), items: [
          { job: { namespace: 'etl', name: 'slow' }, run: { id: 's1', key: 's1', attempt: 1 }, type, time: new Date(at).toISOString(), ...(type === 'failed' ? { error: { message: 'killed after 4 h' } } : {}) },
        ] });
        const recorded = async () => (await db.pool.query<{ state: string; at: Date }>(
          `select a.state, a.state_recorded_at as at from run_attempts a join runs r on r.id = a.run_id join jobs j on j.id = r.job_id where j.name = 'slow'`)).rows[0];
        await event('started', now - 3_600_000);
        const running = await recorded();
        await new Promise((r) => setTimeout(r, 20));
        await event('failed', now);
        const failed = await recorded();
        assert.equal(running?.state, 'started');
        assert.equal(failed?.state, 'failed');
        assert.ok(failed.at > running.at, `${failed.at.toISOString()} after ${running.at.toISOString()}`);
      } finally {
        await closeDeps(deps);
      }
    });
  });
}
