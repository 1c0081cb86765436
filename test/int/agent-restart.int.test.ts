import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { castVote } from '../../src/approvals/vote.ts';
import { createAgentRun, driveAgentRun } from '../../src/agent/run.ts';
import { agentSteps, getAgentRun } from '../../src/agent/sql.ts';
import { openDatabase } from '../../src/db/pool.ts';
import type { Deps } from '../../src/deps.ts';
import { createFakeAirflow, type FakeAirflow } from '../../src/fakes/airflow.ts';
import { createInProcessQueue } from '../../src/queue/in-process.ts';
import { healSweep } from '../../src/remediation/sweep.ts';
import { agentKit } from '../support/agent.ts';
import { agentExecutions, agentMedic, failTask } from '../support/agent-world.ts';
import { clears } from '../support/heal.ts';
import { waitFor } from '../support/servers.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

const server = testStores().find((s) => s.name === 'postgres');

describe('an agent run waiting for approval across a restart (PostgreSQL)', { skip: server ? false : 'needs DATABASE_URL: a restart means a new process on the same server' }, () => {
  let db: TestDatabase;
  let fake: FakeAirflow;
  const open: { deps: Deps; close: () => Promise<void> }[] = [];

  before(async () => {
    db = await (server ?? { open: () => Promise.reject(new Error('no server')) }).open();
    fake = await createFakeAirflow({ api: 'v2' });
  });
  after(async () => {
    for (const o of open.reverse()) await o.close().catch(() => undefined);
    await fake.close();
    await db.close();
  });

  /** Medic as a process of its own on the test database: its own pool, checkpointer, queue and workers. */
  async function process(env: Record<string, string> = {}): Promise<{ deps: Deps; stop: () => Promise<void> }> {
    const own = await openDatabase({ databaseUrl: db.url, dataDir: 'unused' });
    const onOwn: TestDatabase = { ...own, url: db.url };
    const deps = await agentMedic(onOwn, fake, await agentKit(onOwn), env);
    const stop = async () => {
      await deps.queue.close();
      await deps.decisionLog.close();
      await own.close();
    };
    open.push({ deps, close: stop });
    return { deps, stop };
  }

  /** A run on a partial-input failure that reached its approval interrupt in a process that then stopped. */
  async function waitingRun(run: string): Promise<{ id: number; approvalId: number }> {
    const first = await process();
    const incident = await failTask(first.deps, fake, `reconcile_${run}`, run, 'AssertionError: reconciliation mismatch: 312 ledger rows missing for account batch 4471');
    const made = await createAgentRun(first.deps, { incidentId: incident, requestedBy: 'alice' });
    assert.ok(made.kind === 'created');
    await driveAgentRun(first.deps, made.agentRunId);
    const waiting = await getAgentRun(first.deps.pool, made.agentRunId);
    assert.equal(waiting?.status, 'awaiting_approval');
    await first.stop();
    return { id: made.agentRunId, approvalId: waiting?.approval_id ?? 0 };
  }

  const done = (deps: Deps, id: number) => waitFor('the run to end', async () => {
    const r = await getAgentRun(deps.pool, id);
    return r?.status === 'done' ? r : undefined;
  }, 20_000);
  const clearsOf = (run: string) => clears(fake).filter((c) => (c.body as { dag_run_id?: string }).dag_run_id === run);

  it('survives the restart, resumes when approved through the API, and acts exactly once', async () => {
    const { id, approvalId } = await waitingRun('r1');
    const second = await process();
    const voted = await castVote(second.deps, approvalId, { name: 'bob', via: 'api' }, 'approve', 'input complete now');
    assert.equal(voted.kind === 'recorded' && voted.status, 'approved');
    const ended = await done(second.deps, id);
    assert.equal((ended.outcome as { kind: string }).kind, 'executed');
    await second.deps.queue.drain(10_000);
    assert.equal(clearsOf('r1').length, 1, 'one rerun at the fake Airflow');
    assert.deepEqual((await agentExecutions(second.deps, id)).map((e) => [e.action.kind, e.state]), [['rerun', 'executed']]);
    const steps = (await agentSteps(second.deps.pool, id)).map((s) => (s.detail.step as string | undefined) ?? s.kind);
    assert.deepEqual(steps.slice(-3), ['await_approval', 'act', 'verify'], 'the graph went on from its interrupt');
  });

  it('resumes a run approved from the CLI when the restarted Medic sweeps', async () => {
    const { id, approvalId } = await waitingRun('r2');
    // The CLI votes in a process of its own whose in-process queue ends with it: nothing resumes there.
    const cli = await process();
    const cliQueue = createInProcessQueue();
    const voted = await castVote({ ...cli.deps, queue: cliQueue }, approvalId, { name: 'alice', via: 'cli' }, 'approve', null);
    assert.equal(voted.kind === 'recorded' && voted.status, 'approved');
    await cliQueue.close();
    await cli.stop();
    assert.equal((await getAgentRun(db.pool, id))?.status, 'awaiting_approval');
    const restarted = await process();
    await healSweep(restarted.deps);
    await done(restarted.deps, id);
    await restarted.deps.queue.drain(10_000);
    assert.equal(clearsOf('r2').length, 1);
  });
});
