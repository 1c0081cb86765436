import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withTransaction } from '../../src/db/pool.ts';
import { loadDemoHistory } from '../../src/demo/load.ts';
import type { Deps } from '../../src/deps.ts';
import { buildHandlers } from '../../src/handlers.ts';
import { resolveIncident } from '../../src/incidents/sql.ts';
import { backtest, type BacktestReport } from '../../src/policies/backtest.ts';
import { loadPolicySet, policyFiles, type PolicySet } from '../../src/policies/load.ts';
import { POLICIES_DIR } from '../../src/runtime.ts';
import { createHashingEmbedder } from '../../src/signatures/embedder.ts';
import { testDeps } from '../support/deps.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

const DAY = 86_400_000;
const sum = (x: Record<string, number>) => Object.values(x).reduce((a, b) => a + b, 0);

async function policySet(files: { name: string; text: string }[]): Promise<PolicySet> {
  const loaded = await loadPolicySet(files, createHashingEmbedder(256));
  assert.equal(loaded.kind, 'ok', loaded.kind === 'invalid' ? JSON.stringify(loaded.issues) : '');
  return loaded.kind === 'ok' ? loaded.set : (undefined as never);
}

/** Every way of counting the replayed failures comes to the same number. */
function assertConsistent(r: BacktestReport): void {
  assert.equal(sum(r.byAction), r.failures);
  assert.equal(sum(r.byPolicy), r.failures);
  assert.equal(r.decisions.length, r.failures);
  assert.equal(Object.values(r.scorecard.confusion).reduce((a, row) => a + sum(row), 0), r.failures);
  assert.equal(r.scorecard.right + r.scorecard.wrong + r.scorecard.unscored, r.failures);
  assert.equal(r.approvals, r.decisions.filter((d) => d.requires_approval).length);
  assert.equal(sum(r.guardrails), r.decisions.filter((d) => d.guardrail !== null).length);
  assert.ok(r.decisions.every((d, i) => i === 0 || (r.decisions[i - 1]?.failed_at.getTime() ?? 0) <= d.failed_at.getTime()), 'in the order they failed');
}

for (const store of testStores()) {
  describe(`the backtest over the demo history (${store.name})`, () => {
    let db: TestDatabase;
    let deps: Deps;
    let shipped: PolicySet;
    const since = new Date(Date.now() - 90 * DAY);
    before(async () => {
      db = await store.open();
      deps = testDeps(db);
      deps.queue.startWorkers(buildHandlers(deps), { concurrency: 2 });
      await loadDemoHistory(deps);
      await deps.queue.drain(120_000);
      shipped = await policySet(await policyFiles(POLICIES_DIR));
    });
    after(async () => {
      await deps.queue.close();
      await db.close();
    });

    it('replays every stored failed attempt once, and its counts add up', async () => {
      const r = await backtest(db.pool, shipped, since);
      const stored = (await db.pool.query<{ n: number }>('select count(*)::int as n from incident_runs')).rows[0]?.n ?? 0;
      assert.ok(stored > 10, `the demo stored ${stored} failed attempts`);
      assert.equal(r.failures, stored);
      assert.equal(r.warmup, 0);
      assertConsistent(r);
      assert.equal(r.revision, shipped.revision);
    });

    it('scores decisions against how each incident ended, and nothing against one still open', async () => {
      const r = await backtest(db.pool, shipped, since);
      const open = new Set((await db.pool.query<{ id: number }>(`select id from incidents where status = 'open'`)).rows.map((x) => x.id));
      assert.ok(open.size > 0, 'today\'s close is still failing');
      for (const d of r.decisions) assert.equal(d.actual === 'open', open.has(d.incident_id), JSON.stringify(d));
      // Refused connections are retried, and the orchestrator's retries recovered the closed ones.
      const refused = r.decisions.filter((d) => d.policy_id === 'network-transient-retry' && d.actual !== 'open');
      assert.ok(refused.length > 0);
      assert.ok(refused.every((d) => d.action === 'retry' && d.verdict === 'right'));
      // Control-M's failed transfers stayed failed until the next night: escalating them was right.
      const transfers = r.decisions.filter((d) => d.job === 'ctm-prod/PAYROLL/PAY_TRANSFER');
      assert.ok(transfers.length > 0 && transfers.every((d) => d.action === 'notify' && d.actual === 'next_run' && d.verdict === 'right'));
    });

    it("judges a retry wrong once people resolve the incident by hand", async () => {
      const [incident] = (await db.pool.query<{ id: number }>(`select id from incidents where status = 'open' order by id limit 1`)).rows;
      assert.ok(incident);
      await withTransaction(db.pool, (tx) => resolveIncident(tx, {
        incidentId: incident.id, action: 'manual_fix', detail: 'restarted the warehouse', actor: 'ana', outcome: 'success',
        timeToRecoverMs: 20 * 60_000, resolvedAt: new Date(), runId: null,
      }));
      const r = await backtest(db.pool, shipped, since);
      const mine = r.decisions.filter((d) => d.incident_id === incident.id);
      assert.ok(mine.length > 0);
      assert.ok(mine.every((d) => d.actual === 'manual' && d.verdict === (d.action === 'retry' ? 'wrong' : 'right')), JSON.stringify(mine));
      assertConsistent(r);
    });

    it('knows only the fixes resolved before each failure', async () => {
      const set = await policySet([{ name: 'proven.yaml', text: `policies:
  - id: proven-retry
    description: Retry what retries have fixed three times.
    match: {success_rate: {action: retry, at_least: 0.5, min_attempts: 3}}
    action: {kind: retry}
  - {id: people, description: People decide., priority: -1, action: {kind: notify}}
` }]);
      const r = await backtest(db.pool, set, since);
      assertConsistent(r);
      const kyc = r.decisions.filter((d) => d.job === 'onboarding/kyc_check');
      assert.ok(kyc.length >= 5);
      // The first three met a signature with fewer than three recorded fixes; later ones one with more.
      assert.deepEqual(kyc.slice(0, 3).map((d) => d.policy_id), ['people', 'people', 'people']);
      assert.ok(kyc.slice(4).every((d) => d.policy_id === 'proven-retry'), JSON.stringify(kyc.map((d) => d.policy_id)));
    });

    it('warms the guardrail counters with the failures just before the window', async () => {
      const all = await backtest(db.pool, shipped, since);
      const mid = all.decisions[Math.floor(all.decisions.length / 2)]?.failed_at ?? new Date();
      const r = await backtest(db.pool, shipped, mid);
      assertConsistent(r);
      assert.equal(r.failures, all.decisions.filter((d) => d.failed_at >= mid).length);
      assert.equal(r.warmup, all.decisions.filter((d) => d.failed_at < mid && d.failed_at.getTime() >= mid.getTime() - 1440 * 60_000).length);
    });
  });
}
