import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../src/deps.ts';
import { ingest } from '../../src/ingest/ingest.ts';
import { sweep } from '../../src/sla/risks.ts';
import { testApp } from '../support/app.ts';
import { closeDay, closeRun, closeService, servicesFile, unseenService } from '../support/close-history.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

const MIN = 60_000;
const day0 = Date.UTC(2026, 10, 1, 1, 0);
const iso = (t: number) => new Date(t).toISOString();

const services = servicesFile(
  closeService({ deadline: { kind: 'duration', minutes: 120 }, downstream: ['dashboard'] }),
  { name: 'dashboard', jobs: [{ job: 'close/publish' }], deadline: { kind: 'time', at: '03:10', timeZone: 'UTC' }, downstream: ['board-pack', 'audit-feed'] },
  { name: 'reporting', jobs: [{ job: 'close/snapshot' }, { job: 'close/daily_report', after: ['close/snapshot'] }], deadline: { kind: 'time', at: '03:00', timeZone: 'UTC' } },
  { name: 'close-by-lineage', terminal: ['close/report'], deadline: { kind: 'duration', minutes: 120 } },
  unseenService('audit-feed'),
);

for (const store of testStores()) {
  describe(`service forecasts (${store.name})`, () => {
    let db: TestDatabase;
    let app: FastifyInstance;
    let deps: Deps;
    before(async () => {
      db = await store.open();
      ({ app, deps } = await testApp(db));
      const history: unknown[] = [];
      for (let d = 0; d < 20; d++) {
        history.push(...closeDay(`day-${d}`, day0 + d * 86_400_000, {
          extract: 20 + (d % 5), load: { at: 26, minutes: 30 + (d % 7) }, report: { at: 65, minutes: 10 }, publish: { at: 80, minutes: 14 + (d % 3) },
        }));
      }
      // A report that starts at 02:00 sharp while its snapshot is ready anywhere from 01:20 to 02:30.
      [20, 35, 90, 40, 70, 25, 80, 30].forEach((readyMin, d) => {
        const t = day0 + d * 86_400_000; // 01:00
        history.push(...closeRun('snapshot', `day-${d}`, t, readyMin), ...closeRun('daily_report', `day-${d}`, t + 60 * MIN, 5));
      });
      // Today: extract done, load failed once after 35 minutes.
      const today = day0 + 20 * 86_400_000;
      history.push(...closeDay('day-20', today, { extract: 22, load: { at: 25, minutes: 35, failure: 'warehouse connection refused' } }));
      await ingest(deps, { orchestrator: 'generic', timeZone: 'UTC', items: history, receivedAt: new Date() });
      const res = await app.inject({ method: 'POST', url: '/v1/services', payload: services, headers: { 'content-type': 'application/yaml' } });
      assert.equal(res.statusCode, 200, res.body);
    });
    after(async () => {
      await app.close();
      await deps.queue.close();
      await db.close();
    });

    it('replays a normal past day as on track', async () => {
      const res = await app.inject(`/v1/services/close/forecast?at=${iso(day0 + 5 * 86_400_000 + 30 * MIN)}&samples=2000`);
      assert.equal(res.statusCode, 200, res.body);
      const f = res.json();
      assert.equal(f.instance.key, 'day-5');
      assert.ok(f.forecast.pBreach < 0.1, `P(breach) ${f.forecast.pBreach}`);
      assert.deepEqual(f.forecast.criticalPath, ['close/extract', 'close/load', 'close/report']);
      assert.equal(f.atRisk, false);
    });

    it('puts a service at risk when a job on its critical path failed late, naming the time to act and the services hit', async () => {
      const at = day0 + 20 * 86_400_000 + 95 * MIN;
      const f = (await app.inject(`/v1/services/close/forecast?at=${iso(at)}&samples=4000`)).json();
      assert.deepEqual(f.jobs.map((j: { state: string }) => j.state), ['done', 'failed', 'pending']);
      assert.ok(f.forecast.pBreach > 0.3, `P(breach) ${f.forecast.pBreach}`);
      assert.equal(f.atRisk, true);
      assert.equal(f.forecast.timeToAct.job, 'close/load');
      assert.deepEqual(f.downstream, ['dashboard', 'board-pack', 'audit-feed']);
      // The dashboard is forecast from its own past makespans after the close; the two services
      // after it have no definition, so Medic names them without a probability.
      const [dashboard, boardPack] = f.impact;
      assert.equal(dashboard.basis, 'history');
      assert.equal(dashboard.deadline, '2026-11-21T03:10:00.000Z');
      assert.ok(dashboard.pMiss >= f.forecast.pBreach * 0.8, `dashboard P(miss) ${dashboard.pMiss}, close P(breach) ${f.forecast.pBreach}`);
      assert.deepEqual({ service: boardPack.service, via: boardPack.via, basis: boardPack.basis, pMiss: boardPack.pMiss }, { service: 'board-pack', via: 'dashboard', basis: 'unknown', pMiss: null });
      assert.match(f.summary, /^\*Month close\* is at risk: \d+ % chance to miss \d\d:\d\d/);
      assert.match(f.summary, /\*dashboard\*, \*board-pack\* and 1 more service miss their deadlines/);
    });

    it('raises an SLA risk once per instance and updates it on later sweeps', async () => {
      const at = new Date(day0 + 20 * 86_400_000 + 95 * MIN);
      const first = await sweep(db.pool, at, 2_000);
      assert.deepEqual(first.find((o) => o.service === 'close'), { kind: 'raised', service: 'close', instance: 'day-20' });
      // The dashboard's latest instance is yesterday's, finished: nothing to raise.
      assert.equal(first.find((o) => o.service === 'dashboard')?.kind, 'quiet');
      assert.equal(first.find((o) => o.service === 'audit-feed')?.kind, 'skipped');
      const second = await sweep(db.pool, new Date(at.getTime() + MIN), 2_000);
      assert.equal(second.find((o) => o.service === 'close')?.kind, 'updated');
      // The same jobs named by lineage make a second service at risk; each raises its own.
      const risks = ((await app.inject('/v1/sla/risks?status=open')).json().risks as { service: string; summary: string }[]).filter((r) => r.service === 'close');
      assert.equal(risks.length, 1);
      assert.match(risks[0]?.summary ?? '', /Month close\* is at risk/);
    });

    it('finds the report that starts on a clock, and only it, with the runs it started on stale input', async () => {
      const res = await app.inject(`/v1/insights/time-buffers?at=${iso(day0 + 21 * 86_400_000)}`);
      assert.equal(res.statusCode, 200);
      const found = res.json().time_buffers as { upstream: string; downstream: string; startedBeforeInput: number; worstEarlyMin: number; services: string[] }[];
      assert.deepEqual(found.map((b) => `${b.upstream} → ${b.downstream}`), ['close/snapshot → close/daily_report']);
      assert.equal(found[0]?.startedBeforeInput, 3);
      assert.equal(found[0]?.worstEarlyMin, 30);
      assert.deepEqual(found[0]?.services, ['reporting']);
    });

    it('forecasts a service named by its last job over the jobs lineage puts upstream of it', async () => {
      const f = (await app.inject(`/v1/services/close-by-lineage/forecast?at=${iso(day0 + 5 * 86_400_000 + 30 * MIN)}&samples=2000`)).json();
      assert.deepEqual(f.jobs.map((j: { job: string }) => j.job), ['close/extract', 'close/load', 'close/report']);
      assert.deepEqual(f.forecast.criticalPath, ['close/extract', 'close/load', 'close/report']);
    });

    it('answers 404 for an unknown service and for a service with no run yet', async () => {
      assert.equal((await app.inject('/v1/services/nope/forecast')).statusCode, 404);
      const none = await app.inject('/v1/services/audit-feed/forecast');
      assert.equal(none.statusCode, 404);
      assert.match(none.json().error.message, /no instance/);
    });
  });
}
