import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { decide } from '../../src/decide/decide.ts';
import { createGuardFacts, guardHorizonMs, openGuard, replicaName } from '../../src/decide/guard.ts';
import { createGuardMemory } from '../../src/decide/guard-memory.ts';
import { memoryLedger } from '../../src/decide/budget-ledger.ts';
import { DecisionInput } from '../../src/decide/schema.ts';
import type { Deps } from '../../src/deps.ts';
import { buildApp } from '../../src/http/app.ts';
import { loadPolicySet } from '../../src/policies/load.ts';
import { fixedPolicyStore, type PolicyStore } from '../../src/policies/store.ts';
import { createHashingEmbedder } from '../../src/signatures/embedder.ts';
import { testConfig, testDeps } from '../support/deps.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

const POLICIES = `policies:
  - id: retry-budgeted
    description: Retry, three times an hour per job at most.
    match: {jobs: ["close/*"]}
    action: {kind: retry, delay_s: 60}
    guardrails:
      budget: {max: 3, per: job, window_minutes: 60}
      breaker: {failures: 50, within_minutes: 15}
`;

const failure = (job: string, message: string, extra: Record<string, unknown> = {}) => DecisionInput.parse({ kind: 'failure', job, attempt: 1, error: { message }, ...extra });

async function policyStore(): Promise<PolicyStore> {
  const loaded = await loadPolicySet([{ name: 'test.yaml', text: POLICIES }], createHashingEmbedder(256));
  assert.equal(loaded.kind, 'ok');
  return fixedPolicyStore(loaded.kind === 'ok' ? loaded.set : (undefined as never));
}

/** A second replica over the same store: its own guard, refreshed often. */
function replica(db: TestDatabase, policies: PolicyStore, refreshMs = 30): Deps {
  const base = testDeps(db, { policies });
  const memory = createGuardMemory();
  const guard = createGuardFacts({ pool: db.pool, memory, ledger: memoryLedger(memory), replica: replicaName(), log: pino({ level: 'silent' }), clock: base.clock, horizonMs: () => guardHorizonMs(policies.current().policies), refreshMs });
  return { ...base, guard };
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`never: ${what}`);
}

for (const store of testStores()) {
  describe(`decisions from memory (${store.name})`, () => {
    let db: TestDatabase;
    let policies: PolicyStore;
    let a: Deps;
    let b: Deps;
    before(async () => {
      db = await store.open();
      policies = await policyStore();
      a = replica(db, policies);
      b = replica(db, policies);
    });
    after(async () => {
      for (const d of [a, b]) {
        await d.guard.close();
        await d.decisionLog.close();
      }
      await db.close();
    });

    it('counts a budget without reading the store, and records how old the counters were and which replica decided', async () => {
      const answers = [];
      for (const m of ['disk quota hit', 'loader segfault', 'checksum mismatch', 'token expired']) answers.push(await decide(a, failure('close/extract', m)));
      assert.deepEqual(answers.map((x) => x.result.action), ['retry', 'retry', 'retry', 'notify']);
      assert.equal(answers[3]?.result.guardrail?.kind, 'budget');
      const rows = (await db.pool.query<{ id: string; replica: string; facts_age_ms: number | null; budget_key: string | null }>(
        'select id, replica, facts_age_ms, budget_key from decisions where job = $1 order by created_at, id', ['close/extract'])).rows;
      assert.equal(rows.length, 4);
      assert.ok(rows.every((r) => r.replica === a.guard.replica));
      assert.ok(rows.every((r) => typeof r.facts_age_ms === 'number' && r.facts_age_ms >= 0), JSON.stringify(rows));
      assert.deepEqual(rows.map((r) => r.budget_key), ['job:close/extract', 'job:close/extract', 'job:close/extract', null]);
    });

    it("learns another replica's spends from the store within its refresh, and counts the storm of both", async () => {
      const spentAt = (d: Deps) => d.guard.ledger.used([{ policyId: 'retry-budgeted', key: 'job:close/load', windowMinutes: 60, max: 3 }], Date.now());
      for (const m of ['disk quota hit', 'loader segfault']) assert.equal((await decide(a, failure('close/load', m))).result.action, 'retry');
      await b.guard.ready();
      await until(async () => (await spentAt(b))['retry-budgeted'] === 2, "replica b sees a's two spends");
      assert.equal((await decide(b, failure('close/load', 'checksum mismatch'))).result.action, 'retry');
      const last = await decide(b, failure('close/load', 'token expired'));
      assert.equal(last.result.action, 'notify', 'the budget is one: spent by both replicas together');
      assert.equal(last.result.guardrail?.kind, 'budget');
    });

    it('counts a decision about the past from the store, as before', async () => {
      const long = new Date(Date.now() - 10 * 24 * 3_600_000);
      const answers = [];
      for (let k = 0; k < 4; k++) answers.push(await decide(a, failure('close/replay', `replayed failure number ${k} of the kind`, { time: new Date(long.getTime() + k * 60_000).toISOString() })));
      assert.deepEqual(answers.map((x) => x.result.action), ['retry', 'retry', 'retry', 'notify']);
      assert.equal(answers[3]?.result.guardrail?.kind, 'budget');
    });
  });
}

describe('answers under overload', () => {
  let db: TestDatabase;
  let deps: Deps;
  let app: Awaited<ReturnType<typeof buildApp>>;
  before(async () => {
    const embedded = testStores()[0];
    assert.ok(embedded);
    db = await embedded.open();
    deps = testDeps(db, { policies: await policyStore(), config: testConfig({ MEDIC_DECIDE_MAX_IN_FLIGHT: '1' }) });
    app = await buildApp(deps);
  });
  after(async () => {
    await app.close();
    await deps.guard.close();
    await deps.decisionLog.close();
    await db.close();
  });

  it('answers the safe default marked overloaded, logged, or 429 with Retry-After when the caller asked, and decides again once load drops', async () => {
    const body = (k: number) => ({ input: { kind: 'failure', job: 'close/storm', attempt: 1, run: { key: `r${k}` }, error: { message: `connection reset by peer ${k}` } } });
    // The first decision is held in its log write, so it stays in progress while the others arrive.
    const log = deps.decisionLog;
    let entered: () => void = () => undefined;
    let release: () => void = () => undefined;
    const inside = new Promise<void>((r) => { entered = r; });
    const gate = new Promise<void>((r) => { release = r; });
    let held = 0;
    deps.decisionLog = { append: async (row) => { if (held++ === 0) { entered(); await gate; } return log.append(row); }, close: () => log.close() };
    const first = app.inject({ method: 'POST', url: '/v1/decide', payload: body(0) });
    await inside;
    const turnedAway = await Promise.all([1, 2].map((k) => app.inject({ method: 'POST', url: '/v1/decide', payload: body(k) })));
    const rejected = await app.inject({ method: 'POST', url: '/v1/decide?on_overload=reject', payload: body(3) });
    release();
    const answers = [await first, ...turnedAway];
    deps.decisionLog = log;
    assert.deepEqual(answers.map((r) => r.statusCode), [200, 200, 200]);
    const results = answers.map((r) => r.json());
    assert.equal(results[0].result.degraded, null, 'the first is decided');
    for (const r of results.slice(1)) {
      assert.deepEqual(r.result.degraded, { reason: 'overloaded' });
      assert.equal(r.result.action, 'notify', 'the safe default, never a destructive action');
      assert.match(r.result.reason, /^safe default: overloaded \(1 decisions already in progress\)/);
      assert.equal((await app.inject(`/v1/decisions/${r.decision_id}`)).json().degraded, true, 'an overloaded answer is logged too');
    }
    assert.equal(rejected.statusCode, 429);
    assert.equal(rejected.headers['retry-after'], '1');
    assert.equal(rejected.json().error.code, 'overloaded');
    const calm = await app.inject({ method: 'POST', url: '/v1/decide', payload: body(5) });
    assert.equal(calm.json().result.degraded, null, 'admitted again as soon as load drops');
    const metrics = (await app.inject('/metrics')).body;
    assert.match(metrics, /medic_decisions_total\{kind="failure",outcome="overloaded"\} 2/);
    assert.match(metrics, /medic_decisions_total\{kind="failure",outcome="rejected"\} 1/);
  });
});

describe('budgets shared in Redis', { skip: !process.env.REDIS_URL || !process.env.DATABASE_URL }, () => {
  let db: TestDatabase;
  const replicas: Deps[] = [];
  before(async () => {
    const server = testStores().find((s) => s.name === 'postgres');
    assert.ok(server);
    db = await server.open();
    const policies = await policyStore();
    const prefix = `medic-t-${randomBytes(4).toString('hex')}`;
    for (let i = 0; i < 2; i++) {
      // About who spends the budget, not how fast: a busy machine must not turn a decision into the safe default.
      const base = testDeps(db, { policies, config: testConfig({ MEDIC_DECIDE_TIMEOUT_MS: '10000' }) });
      replicas.push({ ...base, guard: await openGuard({ pool: db.pool, log: base.log, clock: base.clock, policies, redisUrl: process.env.REDIS_URL ?? null, redisPrefix: prefix }) });
    }
  });
  after(async () => {
    for (const d of replicas) {
      await d.guard.close();
      await d.decisionLog.close();
    }
    await db.close();
  });

  it('lets two replicas deciding at once spend a budget of three exactly three times', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, (_, k) => decide(replicas[k % 2] as Deps, failure('close/race', `worker lost number ${k}`, { run: { key: `r${k}` } }))));
    assert.equal(answers.filter((x) => x.result.action === 'retry').length, 3, answers.map((x) => `${x.result.action} ${x.result.degraded?.reason ?? ''}`).join(','));
    assert.equal(answers.filter((x) => x.result.guardrail?.kind === 'budget').length, 9);
    const spent = await db.pool.query<{ n: string }>("select count(*) as n from decisions where job = 'close/race' and budget_key is not null and enforced");
    assert.equal(Number(spent.rows[0]?.n), 3, 'the log agrees with the ledger');
  });
});
