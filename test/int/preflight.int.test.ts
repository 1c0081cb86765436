import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../src/deps.ts';
import { buildApp } from '../../src/http/app.ts';
import { testConfig, testDeps } from '../support/deps.ts';
import { shippedPolicies } from '../support/heal.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';
import { at, LEDGER_NAME, loadTry, reconcileDay, usualMedian, usualRows } from '../support/warehouse.ts';

interface Check { kind: string; verdict: string; dataset?: string; job?: string; history?: number; detail: string }
interface Result { action: string; reason: string; policy_id: string | null; evidence: { checks: Check[] } }

const FX = { namespace: 'warehouse', name: 'dw.fx_rates' };
/** A new writer and reader with three days of history: `wh/fx` writes the rates `wh/report` reads. */
const fxDay = (day: number) => [
  { job: { namespace: 'wh', name: 'fx' }, run: { id: `fx-${day}` }, type: 'completed', time: at(day, 0, 30), startedAt: at(day, 0, 20), outputs: [{ ...FX, rowCount: 170 }] },
  { job: { namespace: 'wh', name: 'report' }, run: { id: `report-${day}` }, type: 'completed', time: at(day, 3), startedAt: at(day, 2, 50), inputs: [FX] },
];

for (const store of testStores()) {
  describe(`preflights on ingested history (${store.name})`, () => {
    let db: TestDatabase;
    let app: FastifyInstance;
    let deps: Deps;
    const post = async (url: string, payload: object) => {
      const res = await app.inject({ method: 'POST', url, payload });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { accepted: number };
    };
    /** The load's OpenLineage events, then the generic ones, through the ingest endpoints. */
    const ingest = async (load: object[], generic: object[] = []) => {
      if (load.length) await post('/api/v1/lineage', load);
      if (generic.length) await post('/v1/events', { source: 'generic', events: generic });
    };
    const preflight = async (job: string, time: string, extra: object = {}): Promise<Result> => {
      const res = await app.inject({ method: 'POST', url: '/v1/decide', payload: { input: { kind: 'preflight', job, time, ...extra } } });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as { result: Result }).result;
    };
    const check = (r: Result, kind: string) => r.evidence.checks.find((c) => c.kind === kind);

    before(async () => {
      db = await store.open();
      // What is decided, not how fast: a cold first decision on a busy machine must not become the safe default.
      deps = testDeps(db, { policies: await shippedPolicies(), config: testConfig({ MEDIC_DECIDE_TIMEOUT_MS: '10000', MEDIC_DECIDE_SHED_AFTER_MS: '10000' }) });
      app = await buildApp(deps);
      for (let day = 1; day <= 19; day++) await ingest(loadTry(day, { rows: usualRows(day) }), reconcileDay(day));
      await ingest(loadTry(20, { rows: usualRows(20) }), [...fxDay(18), ...fxDay(19), ...fxDay(20)]);
    });
    after(async () => {
      await app.close();
      await deps.decisionLog.close();
      await db.close();
    });

    it('learns from inputs and outputs that reconcile reads what load writes, and keeps one size per load run', async () => {
      const edges = await db.pool.query(`select u.name as up, d.name as down from job_edges e join jobs u on u.id = e.upstream_job_id
                                         join jobs d on d.id = e.downstream_job_id where e.via = 'dataset' and e.dataset = $1`, [LEDGER_NAME]);
      assert.deepEqual(edges.rows, [{ up: 'load', down: 'reconcile' }]);
      const sizes = await db.pool.query<{ n: number }>(`select count(*)::int as n from dataset_stats where dataset = $1`, [LEDGER_NAME]);
      assert.equal(sizes.rows[0]?.n, 20);
    });

    it('lets reconcile go on a normal day, its input as large as usual and its upstream done', async () => {
      const r = await preflight('wh/reconcile', at(20, 1, 55));
      assert.equal(r.action, 'go', r.reason);
      assert.deepEqual(check(r, 'input'), { ...check(r, 'input'), dataset: LEDGER_NAME, verdict: 'ok', history: 19 });
      assert.equal(check(r, 'upstream')?.verdict, 'ok');
    });

    it('holds reconcile after load wrote 300k rows, naming the ledger and its usual size', async () => {
      await ingest([], reconcileDay(20));
      await ingest(loadTry(21, { rows: 300_000 }));
      const r = await preflight('wh/reconcile', at(21, 1, 55));
      assert.equal(r.action, 'hold');
      assert.equal(r.policy_id, 'preflight-hold-and-notify');
      assert.match(r.reason, new RegExp(`warehouse/dw\\.ledger holds 300000 rows, 30 % of its usual ${usualMedian(1, 20)}`));
      assert.equal(check(r, 'input')?.verdict, 'short');
    });

    it('lets reconcile go once a retry of the load rewrote the ledger in full, its size replacing the short one', async () => {
      await ingest(loadTry(21, { tryNumber: 2, start: at(21, 2, 5), end: at(21, 2, 35), rows: usualRows(21) }));
      const r = await preflight('wh/reconcile', at(21, 2, 40));
      assert.equal(r.action, 'go', r.reason);
      const day21 = await db.pool.query(`select row_count from dataset_stats where dataset = $1 and run_key = 'scheduled__21'`, [LEDGER_NAME]);
      assert.deepEqual(day21.rows, [{ row_count: usualRows(21) }]);
    });

    it('judges the input size a caller reports against the stored history too', async () => {
      await ingest(loadTry(22, { rows: usualRows(22) }), reconcileDay(21));
      const short = await preflight('wh/reconcile', at(22, 1, 55), { inputs: [{ dataset: LEDGER_NAME, row_count: 280_000 }] });
      assert.equal(short.action, 'hold');
      assert.match(short.reason, /warehouse\/dw\.ledger holds 280000 rows, 28 % of its usual \d+/);
      assert.equal(check(short, 'input')?.history, 22);
      const usual = await preflight('wh/reconcile', at(22, 1, 55), { inputs: [{ dataset: LEDGER_NAME, row_count: 990_000 }] });
      assert.equal(usual.action, 'go', usual.reason);
    });

    it('holds reconcile when load failed today, naming it', async () => {
      await ingest(loadTry(23, { failed: true, end: at(23, 1, 30) }), reconcileDay(22));
      const r = await preflight('wh/reconcile', at(23, 1, 55));
      assert.equal(r.action, 'hold');
      assert.match(r.reason, /upstream wh\/load failed at 2026-11-23T01:30:00\.000Z/);
      assert.equal(check(r, 'upstream')?.verdict, 'failed');
    });

    it('lets a job go when its input has too little history to judge, and says so', async () => {
      const r = await preflight('wh/report', at(21, 2, 45));
      assert.equal(r.action, 'go', r.reason);
      assert.deepEqual({ ...check(r, 'input'), detail: undefined }, { ...check(r, 'input'), detail: undefined, dataset: 'warehouse/dw.fx_rates', verdict: 'unknown', history: 2 });
      assert.match(r.reason, /warehouse\/dw\.fx_rates: 170 rows, too little history \(2\) to judge/);
    });

    // The Airflow provider reports a task's START as it begins, before the task asks its preflight.
    it('lets reconcile go when its own start reached Medic just before its preflight', async () => {
      await ingest(loadTry(24, { rows: usualRows(24) }), reconcileDay(24).slice(0, 1));
      const r = await preflight('wh/reconcile', at(24, 2, 1), { run: { key: 'reconcile-24' } });
      assert.equal(r.action, 'go', r.reason);
    });
  });
}
