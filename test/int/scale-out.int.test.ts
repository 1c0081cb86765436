import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import type { Deps } from '../../src/deps.ts';
import { createFakeAirflow, type FakeAirflow } from '../../src/fakes/airflow.ts';
import { ingest } from '../../src/ingest/ingest.ts';
import { testDeps } from '../support/deps.ts';
import { airflowConnection, APPROVERS, clears, failureInput, GATED_POLICIES, minutesAgo, taskInstance } from '../support/heal.ts';
import { exited, spawnServe, spawnWorker, waitFor } from '../support/servers.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

// The shipped gated retry of the warehouse loads, and a budgeted retry both servers spend.
const POLICIES = `${GATED_POLICIES}  - id: close-retry-budgeted
    description: Retry the close's extracts, three times an hour at most.
    match: { jobs: ["close/*"] }
    action: { kind: retry, delay_s: 30 }
    guardrails:
      budget: { max: 3, per: job, window_minutes: 60 }
`;
const server = testStores().find((s) => s.name === 'postgres');
const redisUrl = process.env.REDIS_URL;
const NEEDS = 'needs DATABASE_URL and REDIS_URL: replicas share one PostgreSQL and one Redis';

type Proc = Awaited<ReturnType<typeof spawnServe>>;

const post = async (base: string, path: string, body: unknown) => {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() as Record<string, any> };
};

describe('two servers and two workers over one PostgreSQL and one Redis', { skip: !server || !redisUrl ? NEEDS : false }, () => {
  let db: TestDatabase;
  let deps: Deps;
  let fake: FakeAirflow;
  let a: Proc;
  let b: Proc;
  const workers: ReturnType<typeof spawnWorker>[] = [];
  const name = `scale-${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'medic-scale-'));
  const runs = ['s1', 's2', 's3', 's4', 's5', 's6'];

  before(async () => {
    db = await (server as NonNullable<typeof server>).open();
    deps = testDeps(db);
    fake = await createFakeAirflow({ api: 'v2' });
    fake.state.addDag('finance_close', { load_dw: [] });
    for (const run of runs) fake.state.addTaskInstance({ dag_id: 'finance_close', dag_run_id: run, task_id: 'load_dw', state: 'failed', try_number: 1 });
    writeFileSync(join(dir, 'policies.yaml'), POLICIES);
    const env = {
      DATABASE_URL: db.url ?? '', REDIS_URL: redisUrl ?? '', MEDIC_QUEUE_NAME: name, MEDIC_POLICIES_DIR: dir,
      MEDIC_EXECUTORS: JSON.stringify([airflowConnection(fake)]), MEDIC_APPROVERS: JSON.stringify(APPROVERS), MEDIC_HEAL: 'off',
      MEDIC_EXECUTION_LEASE_SECONDS: '2', MEDIC_HEAL_SWEEP_SECONDS: '0.5', MEDIC_DECIDE_TIMEOUT_MS: '10000',
      // About what is decided, not how fast: a busy machine must not turn answers into overloaded ones.
      MEDIC_DECIDE_SHED_AFTER_MS: '10000',
    };
    [a, b] = await Promise.all([spawnServe(env), spawnServe(env)]);
    workers.push(spawnWorker(env), spawnWorker(env));
  });

  after(async () => {
    for (const p of [a, b, ...workers]) {
      if (!p) continue;
      p.kill('SIGTERM');
      await exited(p);
    }
    await fake?.close();
    const q = new Queue(name, { connection: { url: redisUrl ?? '' }, prefix: name });
    await q.obliterate({ force: true }).catch(() => undefined);
    await q.close();
    await deps?.decisionLog.close();
    await deps?.guard.close();
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the same answer from either server', async () => {
    for (const message of ['could not connect to server: Connection refused', 'disk quota exceeded on /data']) {
      const input = failureInput('airflow-prod/finance_close.load_dw', 'same', message);
      const [x, y] = await Promise.all([post(a.url, '/v1/decide', input), post(b.url, '/v1/decide', input)]);
      assert.equal(x.status, 200, JSON.stringify(x.body));
      for (const k of ["action", "policy_id", "requires_approval", "policy_revision"] as const) assert.deepEqual(x.body.result[k], y.body.result[k], `${k}: ${JSON.stringify(x.body.result)} ${JSON.stringify(y.body.result)}`);
      assert.equal(x.body.result.degraded, null, JSON.stringify(x.body.result));
      assert.equal(x.body.result.evidence.signature.template, y.body.result.evidence.signature.template);
    }
  });

  it('spends one budget across both servers: three retries of twelve asked at once', async () => {
    const asked = await Promise.all(Array.from({ length: 12 }, (_, k) => post(k % 2 ? a.url : b.url, '/v1/decide',
      { input: { kind: 'failure', job: 'close/extract', run: { key: `r${k}` }, attempt: 1, error: { message: `extract failed with code ${k}` } } })));
    const actions = asked.map((x) => x.body.result.action);
    assert.equal(actions.filter((x) => x === 'retry').length, 3, actions.join(','));
    assert.ok(asked.filter((x) => x.body.result.action !== 'retry').every((x) => x.body.result.guardrail?.kind === 'budget'));
  });

  it('executes each approved action once, whichever server took the decision and the approval and whichever worker ran it', async () => {
    await ingest(deps, { orchestrator: 'airflow', source: 'airflow-prod', timeZone: 'UTC', receivedAt: new Date(),
      items: runs.map((run) => taskInstance({ run, task: 'load_dw', state: 'failed', try: 1, start: minutesAgo(10), end: minutesAgo(5) })) });
    const ids: number[] = [];
    for (const [i, run] of runs.entries()) {
      const [asker, approver] = i % 2 ? [a, b] : [b, a];
      const asked = await post(asker.url, '/v1/decide', failureInput('airflow-prod/finance_close.load_dw', run, 'could not connect to server: Connection refused'));
      assert.ok(asked.body.approval_id, JSON.stringify(asked.body));
      const approved = await post(approver.url, `/v1/approvals/${asked.body.approval_id}/approve`, { as: 'alice' });
      assert.equal(approved.body.status, 'approved', JSON.stringify(approved.body));
      ids.push(approved.body.executionId as number);
    }
    await waitFor('every execution to be executed', async () => {
      const r = await db.pool.query<{ n: string }>("select count(*) as n from executions where id = any($1::bigint[]) and state = 'executed'", [ids]);
      return Number(r.rows[0]?.n) === ids.length ? true : undefined;
    }, 60_000).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${workers.map((w) => w.output()).join('\n')}\n${a.output()}\n${b.output()}`);
    });
    const cleared = clears(fake).map((c) => JSON.stringify(c.body));
    assert.equal(cleared.length, runs.length, 'one call per approved action');
    for (const run of runs) assert.equal(cleared.filter((c) => c.includes(`"${run}"`)).length, 1, `${run} cleared once`);
  });

  it('keeps every answered decision in the log when a server is killed with SIGKILL under load', async () => {
    const answered: string[] = [];
    let sent = 0;
    const fire = async () => {
      while (sent < 400) {
        const k = sent++;
        const res = await post(a.url, '/v1/decide', { input: { kind: 'failure', job: `crash/job_${k % 7}`, run: { key: `c${k}` }, attempt: 1, error: { message: `socket closed by peer ${k}` } } }).catch(() => null);
        if (!res) return;
        if (res.status === 200) answered.push(res.body.decision_id as string);
        if (answered.length === 120) a.kill('SIGKILL');
      }
    };
    await Promise.all(Array.from({ length: 16 }, fire));
    await exited(a);
    assert.ok(answered.length >= 120, `answered ${answered.length}`);
    const logged = await db.pool.query<{ id: string }>('select id from decisions where id = any($1::uuid[])', [answered]);
    assert.equal(logged.rows.length, answered.length, 'no answered decision is missing from the log');
  });
});
