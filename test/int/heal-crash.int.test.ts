import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/pool.ts';
import type { Deps } from '../../src/deps.ts';
import { createFakeAirflow, type FakeAirflow } from '../../src/fakes/airflow.ts';
import { buildHandlers } from '../../src/handlers.ts';
import { buildApp } from '../../src/http/app.ts';
import { ingest } from '../../src/ingest/ingest.ts';
import { createBullQueue } from '../../src/queue/bullmq.ts';
import { getExecution, type ExecutionRow } from '../../src/remediation/execute-sql.ts';
import { MIGRATIONS_DIR } from '../../src/runtime.ts';
import { testDeps } from '../support/deps.ts';
import { airflowConnection, APPROVERS, clears, failureInput, healConfig, minutesAgo, policiesFrom, taskInstance } from '../support/heal.ts';
import { canStartCluster, exited, freePort, spawnWorker, startCluster, startRedis, waitFor } from '../support/servers.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

const POLICIES = `
policies:
  - id: load-retry-gated
    description: Retries of the warehouse load wait for the data on-call.
    match: { jobs: ["airflow-prod/finance_close.load_dw"] }
    action: { kind: retry, delay_s: 0 }
    approval: { kind: one_of, groups: [data-oncall] }
`;
const server = testStores().find((s) => s.name === 'postgres');
const sharedRedis = process.env.REDIS_URL;
const NEEDS = 'needs DATABASE_URL and REDIS_URL: the embedded store and the in-process queue live inside one process, so there is no worker process to kill and no server to restart';

describe('exactly once across crashes and restarts (embedded)', { skip: NEEDS }, () => {
  it('is tested on PostgreSQL and Redis only');
});

describe('exactly once across crashes and restarts (PostgreSQL and Redis)', { skip: !server || !sharedRedis ? NEEDS : false }, () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await Promise.resolve().then(c).catch(() => undefined);
  });

  /** A fake Airflow with a failed try of load_dw; with `hang`, its first clear is acted on but never answered: a call whose answer is lost. */
  async function hungAirflow(run: string, hang = true): Promise<FakeAirflow> {
    const fake = await createFakeAirflow({ api: 'v2' });
    cleanups.push(() => fake.close());
    fake.state.addDag('finance_close', { load_dw: [] });
    fake.state.addTaskInstance({ dag_id: 'finance_close', dag_run_id: run, task_id: 'load_dw', state: 'failed', try_number: 1 });
    if (hang) fake.failNext([{ hang: true, apply: true }], { path: 'clearTaskInstances' });
    return fake;
  }

  /** Medic in this process (API, no workers) on `db` and a BullMQ queue of the test's own, and the worker environment that matches. */
  async function medic(db: TestDatabase, redisUrl: string, fake: FakeAirflow, connection: Record<string, unknown>) {
    const name = `crash-${randomBytes(4).toString('hex')}`;
    const executors = [airflowConnection(fake, connection)];
    const env = {
      DATABASE_URL: db.url ?? '', REDIS_URL: redisUrl, MEDIC_QUEUE_NAME: name, MEDIC_EXECUTORS: JSON.stringify(executors),
      MEDIC_APPROVERS: JSON.stringify(APPROVERS), MEDIC_EXECUTION_LEASE_SECONDS: '2', MEDIC_HEAL_SWEEP_SECONDS: '0.5', MEDIC_HEAL: 'off',
    };
    const deps = testDeps(db, { config: healConfig(executors, env), queue: createBullQueue({ redisUrl, name, prefix: name }), policies: await policiesFrom(POLICIES) });
    const app = await buildApp(deps);
    cleanups.push(async () => {
      await app.close();
      await deps.queue.close();
      await deps.decisionLog.close();
      const q = new Queue(name, { connection: { url: redisUrl }, prefix: name });
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
    });
    return { deps, app, env };
  }

  /** The failed try is stored, its callback's decision asks for approval, alice approves: the execution is queued. */
  async function approvedExecution(deps: Deps, app: FastifyInstance, run: string): Promise<number> {
    await ingest(deps, { orchestrator: 'airflow', source: 'airflow-prod', timeZone: 'UTC', receivedAt: new Date(),
      items: [taskInstance({ run, task: 'load_dw', state: 'failed', try: 1, start: minutesAgo(10), end: minutesAgo(5) })] });
    const asked = (await app.inject({ method: 'POST', url: '/v1/decide', payload: failureInput('airflow-prod/finance_close.load_dw', run, 'could not connect to server: Connection refused') })).json();
    const approved = await app.inject({ method: 'POST', url: `/v1/approvals/${asked.approval_id}/approve`, payload: { as: 'alice' } });
    assert.equal(approved.json().status, 'approved', approved.body);
    return approved.json().executionId as number;
  }

  const executed = (deps: Deps, id: number) => waitFor<ExecutionRow>(`execution ${id} to be executed`, async () => {
    const e = await getExecution(deps.pool, id);
    return e?.state === 'executed' ? e : undefined;
  }, 60_000);

  it('reaches the target once when a worker is killed with SIGKILL in the middle of the call', async () => {
    const db = await (server as NonNullable<typeof server>).open();
    cleanups.push(() => db.close());
    const fake = await hungAirflow('k1');
    const { deps, app, env } = await medic(db, sharedRedis ?? '', fake, { timeoutMs: 120_000, maxAttempts: 1 });
    const id = await approvedExecution(deps, app, 'k1');
    const first = spawnWorker(env);
    cleanups.push(() => void first.kill('SIGKILL'));
    await waitFor('the clear to reach the fake', () => (clears(fake).length > 0 ? true : undefined), 60_000).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${first.output()}`);
    });
    first.kill('SIGKILL');
    await exited(first);
    const held = await getExecution(deps.pool, id);
    assert.equal(held?.state, 'executing', 'the dead worker held it');
    assert.ok(held?.sent_at, 'and had recorded that it was calling');

    const second = spawnWorker(env);
    cleanups.push(async () => {
      second.kill('SIGTERM');
      await exited(second);
    });
    const done = await executed(deps, id).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${second.output()}`);
    });
    assert.equal(clears(fake).length, 1, 'the action reached the fake once');
    assert.equal(done.outcome?.reconciled, true, 'the second worker saw the effect at the target instead of sending again');
    const kinds = (await app.inject(`/v1/audit?execution=${id}`)).json().entries.map((e: { kind: string }) => e.kind);
    assert.deepEqual(kinds, ['execution.queued', 'execution.claimed', 'execution.sent', 'execution.claimed', 'execution.reconciled', 'execution.executed']);
  });

  it('reaches the target once when Redis restarts empty before the job runs', async () => {
    const db = await (server as NonNullable<typeof server>).open();
    cleanups.push(() => db.close());
    const port = await freePort();
    let redis = await startRedis(port);
    cleanups.push(() => void redis.kill('SIGKILL'));
    const redisUrl = `redis://127.0.0.1:${port}`;
    // This one answers: the test is about the lost job, not the lost answer.
    const fake = await hungAirflow('k2', false);
    const { deps, app, env } = await medic(db, redisUrl, fake, {});
    const id = await approvedExecution(deps, app, 'k2');
    redis.kill('SIGKILL');
    await exited(redis);
    redis = await startRedis(port);
    const worker = spawnWorker(env);
    cleanups.push(async () => {
      worker.kill('SIGTERM');
      await exited(worker);
    });
    const done = await executed(deps, id).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${worker.output()}`);
    });
    assert.equal(fake.calls.filter((c) => c.path.endsWith('/clearTaskInstances')).length, 1, 'the action reached the fake once');
    assert.equal(done.attempts, 1);
    assert.match(worker.output(), /executions no worker was on were queued again/, 'the sweep found the execution whose job Redis lost');
  });

  it('reaches the target once when PostgreSQL restarts while the call is in flight', { skip: canStartCluster() ? false : 'needs root and the PostgreSQL 15 binaries to start a cluster of its own' }, async () => {
    const cluster = await startCluster();
    cleanups.push(() => cluster.destroy());
    const opened = await openDatabase({ databaseUrl: cluster.url, dataDir: 'unused' });
    cleanups.push(() => opened.close());
    await migrate(opened.pool, await readMigrations(MIGRATIONS_DIR));
    const db: TestDatabase = { ...opened, url: cluster.url };
    const fake = await hungAirflow('k3');
    const { deps, app } = await medic(db, sharedRedis ?? '', fake, { timeoutMs: 2_000, maxAttempts: 1 });
    const id = await approvedExecution(deps, app, 'k3');
    deps.queue.startWorkers(buildHandlers(deps), { concurrency: 2 });
    await deps.queue.every('heal-sweep', {}, 500);
    await waitFor('the clear to reach the fake', () => (clears(fake).length > 0 ? true : undefined), 30_000);
    // Down across the call's timeout: the worker can neither record the outcome nor claim again.
    cluster.stop('immediate');
    await new Promise((r) => setTimeout(r, 4_000));
    cluster.start();
    const done = await executed(deps, id);
    assert.equal(clears(fake).length, 1, 'the action reached the fake once');
    assert.equal(done.outcome?.reconciled, true);
  });
});
