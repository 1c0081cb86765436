import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { decide } from '../../src/decide/decide.ts';
import { createDecisionLog } from '../../src/decide/log.ts';
import { createPreflightChecks } from '../../src/decide/preflight-checks.ts';
import { DecisionInput } from '../../src/decide/schema.ts';
import type { Deps } from '../../src/deps.ts';
import { ingest } from '../../src/ingest/ingest.ts';
import { loadPolicySet } from '../../src/policies/load.ts';
import { fixedPolicyStore } from '../../src/policies/store.ts';
import { createHashingEmbedder } from '../../src/signatures/embedder.ts';
import { createSignatureService } from '../../src/signatures/service.ts';
import { createSharedMiner } from '../../src/signatures/shared-miner.ts';
import { parseServiceFile } from '../../src/sla/parse-file.ts';
import { sweep } from '../../src/sla/risks.ts';
import { applyService } from '../../src/sla/sql.ts';
import { testConfig, testDeps } from '../support/deps.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

const MIN = 60_000;
const POLICIES = `policies:
  - id: retry-budgeted
    description: Retry, twice an hour per job at most.
    match: {jobs: ["close/*"]}
    action: {kind: retry, delay_s: 120}
    guardrails:
      budget: {max: 2, per: job, window_minutes: 60}
`;

const failure = (job: string, message: string, time?: Date) => DecisionInput.parse({
  kind: 'failure', job, attempt: 1, error: { message }, ...(time ? { time: time.toISOString() } : {}),
});

async function policyStore() {
  const loaded = await loadPolicySet([{ name: 'test.yaml', text: POLICIES }], createHashingEmbedder(256));
  assert.equal(loaded.kind, 'ok');
  return fixedPolicyStore(loaded.kind === 'ok' ? loaded.set : (undefined as never));
}

/** Generic events of one attempt, as an orchestrator would report it. */
function attempt(job: string, key: string, start: number, minutes: number, failed = false): unknown[] {
  const base = { job: { namespace: 'close', name: job }, run: { id: `${job}-${key}`, key, attempt: 1 } };
  const iso = (t: number) => new Date(t).toISOString();
  return [
    { ...base, type: 'started', time: iso(start), startedAt: iso(start) },
    { ...base, type: failed ? 'failed' : 'completed', time: iso(start + minutes * MIN), endedAt: iso(start + minutes * MIN), ...(failed ? { error: { message: 'warehouse connection refused' } } : {}) },
  ];
}

for (const store of testStores()) {
  describe(`decisions under guardrails and outages (${store.name})`, () => {
    let db: TestDatabase;
    let deps: Deps;
    before(async () => {
      db = await store.open();
      deps = testDeps(db, { policies: await policyStore() });
    });
    after(async () => {
      await deps.decisionLog.close();
      await db.close();
    });

    it("counts a policy's budget in the decision log and escalates when it is spent", async () => {
      const actions = [];
      for (const m of ['disk quota hit', 'segfault in loader', 'checksum mismatch']) actions.push((await decide(deps, failure('close/extract', m))).result);
      assert.deepEqual(actions.map((r) => r.action), ['retry', 'retry', 'notify']);
      assert.equal(actions[2]?.guardrail?.kind, 'budget');
      assert.equal((await decide(deps, failure('close/other', 'disk quota hit'))).result.action, 'retry', 'another job has its own budget');
    });

    it('keeps the decision log append-only', async () => {
      await assert.rejects(db.pool.query(`update decisions set action = 'skip'`), /append-only/);
      await assert.rejects(db.pool.query('delete from decisions'), /append-only/);
    });

    it("escalates a retry that would make the close miss its deadline, from the sweep's forecast", async () => {
      const day0 = Date.UTC(2026, 10, 1, 1);
      const events: unknown[] = [];
      for (let d = 0; d < 15; d++) {
        const t = day0 + d * 86_400_000;
        events.push(...attempt('extract', `d${d}`, t, 20), ...attempt('load', `d${d}`, t + 21 * MIN, 30), ...attempt('report', `d${d}`, t + 52 * MIN, 10));
      }
      const today = day0 + 15 * 86_400_000;
      events.push(...attempt('extract', 'd15', today, 20), ...attempt('load', 'd15', today + 21 * MIN, 45, true));
      await ingest(deps, { orchestrator: 'generic', timeZone: 'UTC', items: events, receivedAt: new Date() });
      const parsed = parseServiceFile('name: close\njobs:\n  - job: close/extract\n  - {job: close/load, after: [close/extract]}\n  - {job: close/report, after: [close/load]}\ndeadline: {kind: duration, minutes: 100}\n');
      assert.equal(parsed.kind, 'ok');
      for (const s of parsed.kind === 'ok' ? parsed.services : []) await applyService(db.pool, s);
      const at = new Date(today + 70 * MIN);
      await sweep(db.pool, at, 2_000);
      const { result } = await decide(deps, failure('close/load', 'warehouse connection refused', at));
      assert.equal(result.action, 'notify');
      assert.equal(result.proposed?.kind, 'retry');
      assert.equal(result.guardrail?.kind, 'sla');
      assert.match(result.reason, /close would finish around \d\d:\d\d UTC, after its deadline 02:40 UTC/);
    });

    it('answers the safe default, and says why, when the store does not answer in time', async () => {
      const slow = testDeps(db, { policies: deps.policies, config: testConfig({ MEDIC_DECIDE_TIMEOUT_MS: '100' }) });
      const locker = await db.pool.connect();
      await locker.query('begin');
      await locker.query('lock table signatures in access exclusive mode');
      // Released well after the deadline: on the embedded store the lock holds its only connection,
      // so there the answer (decided at the deadline) can be logged only then.
      const release = setTimeout(() => void locker.query('rollback').finally(() => locker.release()), 600);
      try {
        const { result } = await decide(slow, failure('close/report', 'connection reset by peer'));
        assert.equal(result.action, 'notify');
        assert.deepEqual(result.degraded, { reason: 'no decision within 100 ms' });
      } finally {
        await new Promise((resolve) => setTimeout(resolve, 700));
        clearTimeout(release);
        await slow.decisionLog.close();
      }
    });
  });
}

describe('a decision during a database outage', () => {
  let dead: pg.Pool;
  before(() => { dead = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 500 }); });
  after(async () => { await dead.end(); });

  it('answers the safe default for a failure and for a preflight, never a destructive action', async () => {
    const db = { pool: dead, kind: 'postgres' as const, url: undefined, close: async () => undefined };
    const base = testDeps(db, { policies: await policyStore() });
    const deps: Deps = { ...base, signatures: createSignatureService(createSharedMiner(dead)), decisionLog: createDecisionLog(dead), preflightChecks: createPreflightChecks(dead) };
    const f = (await decide(deps, failure('close/load', 'warehouse connection refused'))).result;
    assert.equal(f.action, 'notify');
    assert.match(f.degraded?.reason ?? '', /store is unavailable \(ECONNREFUSED\)/);
    const p = (await decide(deps, DecisionInput.parse({ kind: 'preflight', job: 'close/report' }))).result;
    assert.equal(p.action, 'go');
    assert.ok(p.degraded);
    await deps.decisionLog.close();
  });
});
