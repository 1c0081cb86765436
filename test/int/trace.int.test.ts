import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../src/deps.ts';
import { buildHandlers } from '../../src/handlers.ts';
import type { OriginReport, Trace } from '../../src/trace/types.ts';
import { testApp } from '../support/app.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

const MIN = 60_000;
const DAY0 = Date.UTC(2026, 10, 2, 1); // Monday 2 November 2026, 01:00 UTC
const iso = (t: number) => new Date(t).toISOString();
const ROWS = (d: number) => 10_000 + ((d * 7_919) % 41) * 25; // about ten thousand, a little different each day

interface DayPlan { extractRows?: number; loadFails?: boolean; exportAt?: number; loadMinutes?: number }

/**
 * One day of a small close across two systems: `crm/extract` (01:00, 20 min) writes the accounts,
 * `dw/load` (after it, 30 min) reads them and writes the ledger, `dw/report` (after the load, 10
 * min); `ops/export`, in another scheduler that reports no lineage, sends the report on at 02:10,
 * started by a clock.
 */
function day(d: number, plan: DayPlan = {}): object[] {
  const t0 = DAY0 + d * 86_400_000;
  const key = `day-${d}`;
  const rows = plan.extractRows ?? ROWS(d);
  const run = (ns: string, name: string, source: string, start: number, minutes: number, extra: object, failed = false) => {
    const base = { job: { namespace: ns, name }, run: { id: `${name}-${key}`, key }, source };
    const end = start + minutes * MIN;
    const outcome = failed ? { type: 'failed', error: { message: 'relation "accounts" has no rows for the day' } } : { type: 'completed' };
    return [{ ...base, type: 'started', time: iso(start), startedAt: iso(start) }, { ...base, ...outcome, time: iso(end), endedAt: iso(end), ...extra }];
  };
  const accounts = { namespace: 'crm', name: 'accounts' };
  const ledger = { namespace: 'dw', name: 'ledger' };
  const loadEnd = t0 + (22 + (plan.loadMinutes ?? 30)) * MIN;
  return [
    ...run('crm', 'extract', 'crm-batch', t0, 20, { outputs: [{ ...accounts, rowCount: rows }] }),
    ...run('dw', 'load', 'dw-airflow', t0 + 22 * MIN, plan.loadMinutes ?? 30, { inputs: [accounts], outputs: plan.loadFails ? [] : [{ ...ledger, rowCount: Math.round(rows * 3) }] }, plan.loadFails),
    ...(plan.loadFails ? [] : run('dw', 'report', 'dw-airflow', loadEnd + 3 * MIN, 10, { inputs: [ledger], upstream: [{ namespace: 'dw', name: 'load' }] })),
    ...run('ops', 'export', 'ops-scheduler', t0 + (plan.exportAt ?? 70) * MIN, 10, {}, plan.loadFails),
  ];
}

const service = {
  name: 'close', deadline: { kind: 'time', at: '04:00', timeZone: 'UTC' },
  jobs: [{ job: 'crm/extract' }, { job: 'dw/load', after: ['crm/extract'] }, { job: 'dw/report', after: ['dw/load'] }, { job: 'ops/export' }],
};

for (const store of testStores()) {
  describe(`trace and origin of a service instance (${store.name})`, () => {
    let db: TestDatabase;
    let deps: Deps;
    let app: FastifyInstance;
    before(async () => {
      db = await store.open();
      ({ app, deps } = await testApp(db));
      deps.queue.startWorkers(buildHandlers(deps), { concurrency: 1 });
    });
    after(async () => {
      await app.close();
      await deps.queue.close();
      await db.close();
    });
    const get = async <T>(url: string, status = 200) => {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, status, res.body);
      return res.json() as T;
    };

    it('traces a day across both schedulers, with the clock-started link inferred', async () => {
      const events = [...Array.from({ length: 14 }, (_, d) => day(d)).flat(), ...day(14, { extractRows: 4_000 }), ...day(15, { loadFails: true }), ...day(16, { exportAt: 45 })];
      const res = await app.inject({ method: 'POST', url: '/v1/events', payload: { source: 'generic', events } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((await app.inject({ method: 'POST', url: '/v1/services', payload: service })).statusCode, 200);
      await deps.queue.drain(30_000);

      const t = await get<Trace>('/v1/services/close/instances/day-13/trace');
      assert.equal(t.key, 'day-13');
      assert.deepEqual(t.jobs.map((j) => [j.job, j.run?.state]), [['crm/extract', 'completed'], ['dw/load', 'completed'], ['dw/report', 'completed'], ['ops/export', 'completed']]);
      const load = t.jobs.find((j) => j.job === 'dw/load');
      assert.equal(load?.usual?.duration.p50, 30);
      assert.equal(load?.reads[0]?.dataset, 'crm/accounts');
      assert.equal(load?.reads[0]?.writer?.job, 'crm/extract');
      const inferred = t.edges.find((e) => e.downstream === 'ops/export');
      assert.deepEqual(inferred?.kinds, ['inferred']);
      assert.equal(inferred?.upstream, 'dw/report');
      assert.match(inferred?.why ?? '', /ended before it started in \d+ of \d+ past instances/);
      assert.ok(t.edges.some((e) => e.upstream === 'crm/extract' && e.downstream === 'dw/load' && e.kinds.includes('dataset') && e.kinds.includes('definition')));
    });

    it('finds partial data at the extract that delivered 40 % of its rows', async () => {
      const r = await get<OriginReport>('/v1/services/close/instances/day-14/origin');
      assert.equal(r.origin?.job, 'crm/extract', JSON.stringify(r, null, 1));
      assert.ok(r.problems.some((p) => p.kind === 'partial-data' && p.job === 'crm/extract'));
      assert.deepEqual(r.blast?.reruns.map((x) => x.job), ['dw/load', 'dw/report', 'ops/export']);
      assert.equal(r.blast?.services[0]?.service, 'close');
      // Put to the policies as a failure of the extract's run, with the reruns in its detail.
      const asked = await app.inject({ method: 'POST', url: '/v1/services/close/instances/day-14/origin/decide', payload: { requester: 'oncall' } });
      assert.equal(asked.statusCode, 200, asked.body);
      const { decision_id } = asked.json() as { decision_id: string };
      const logged = await get<{ input: { job: { name: string }; run: { key: string }; error: { message: string; detail: string } } }>(`/v1/decisions/${decision_id}`);
      assert.equal(logged.input.job.name, 'extract');
      assert.equal(logged.input.run.key, 'day-14');
      assert.match(logged.input.error.detail, /Proposal: rerun these 3 in order once extract is fixed: load → report → export/);
      const nothing = await app.inject({ method: 'POST', url: '/v1/services/close/instances/day-12/origin/decide', payload: {} });
      assert.equal(nothing.statusCode, 409, nothing.body);
    });

    it('puts an inherited failure on the run that failed first, also from the incident', async () => {
      const r = await get<OriginReport>('/v1/services/close/instances/day-15/origin');
      assert.equal(r.origin?.job, 'dw/load');
      assert.equal(r.candidates.find((c) => c.job === 'ops/export')?.verdict, 'inherited');
      const incidents = await get<{ incidents: { id: number; job: { namespace: string; name: string } }[] }>('/v1/incidents');
      const exportIncident = incidents.incidents.find((i) => i.job.namespace === 'ops' && i.job.name === 'export');
      assert.ok(exportIncident, JSON.stringify(incidents));
      const fromIncident = await get<OriginReport>(`/v1/incidents/${exportIncident.id}/origin`);
      assert.equal(fromIncident.origin?.job, 'dw/load');
    });

    it('blames the clock-started export that did not wait, and says so on a usual day', async () => {
      const r = await get<OriginReport>('/v1/services/close/instances/day-16/origin');
      assert.equal(r.origin?.job, 'ops/export');
      assert.ok(r.origin?.anomalies.includes('stale-input'));
      const clean = await get<OriginReport>('/v1/services/close/instances/day-12/origin');
      assert.equal(clean.origin, null);
      assert.match(clean.unknown ?? '', /no problem seen/);
    });

    it('shows a past moment live, and refuses what it does not know', async () => {
      const mid = iso(DAY0 + 13 * 86_400_000 + 30 * MIN);
      const t = await get<Trace>(`/v1/services/close/instances/latest/trace?at=${mid}`);
      assert.equal(t.key, 'day-13');
      assert.equal(t.live, true);
      assert.deepEqual(t.jobs.map((j) => j.run?.state ?? null), ['completed', 'running', null, null]);
      await get('/v1/services/nope/instances/latest/trace', 404);
      await get('/v1/services/close/instances/no-such-key/trace', 404);
      await get('/v1/services/close/instances/day-1/trace?at=yesterday', 400);
      await get('/v1/incidents/999999/origin', 404);
    });
  });
}
