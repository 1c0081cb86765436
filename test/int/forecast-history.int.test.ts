import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ingest } from '../../src/ingest/ingest.ts';
import { boardRows, forecastPoints, instanceHistory } from '../../src/sla/board-sql.ts';
import { parseServiceFile } from '../../src/sla/parse-file.ts';
import { replaySweeps } from '../../src/sla/replay.ts';
import { sweep } from '../../src/sla/risks.ts';
import type { ServiceDefinition } from '../../src/sla/schema.ts';
import { forecastDefinition } from '../../src/sla/service-forecast.ts';
import { applyService, listServices, saveForecast } from '../../src/sla/sql.ts';
import { closeDay, closeService, servicesFile, unseenService } from '../support/close-history.ts';
import { testDeps } from '../support/deps.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

const MIN = 60_000;
const DAY = 86_400_000;
const day0 = Date.UTC(2026, 10, 1, 1, 0);
const today = day0 + 20 * DAY;
/** 02:35 today: the load failed at 02:00 and has not been retried. */
const at = today + 95 * MIN;
const iso = (t: number) => new Date(t).toISOString();

const FAILURE = 'warehouse connection refused';

/** Day `d` of the close from 01:00: on time, late (a slow load) or missed (the report failed). */
function dayOfClose(d: number, how: 'on-time' | 'late' | 'missed'): unknown[] {
  const load = how === 'late' ? 150 : 30 + (d % 7);
  return closeDay(`day-${d}`, day0 + d * DAY, {
    extract: 20 + (d % 5), load: { at: 26, minutes: load },
    report: { at: 31 + load, minutes: 10, failure: how === 'missed' ? FAILURE : undefined }, publish: { at: 4 * 60, minutes: 14 },
  });
}

const services = servicesFile(
  closeService({ deadline: { kind: 'time', at: '03:00', timeZone: 'UTC' } }),
  { name: 'publish', jobs: [{ job: 'close/publish' }], deadline: { kind: 'duration', minutes: 60 } },
  unseenService('audit'),
);

const pointCount = async (db: TestDatabase, service: string) =>
  (await db.pool.query<{ n: number }>('select count(*)::int as n from forecast_points where service = $1', [service])).rows[0]?.n;

for (const store of testStores()) {
  describe(`forecast history (${store.name})`, () => {
    let db: TestDatabase;
    let all: Map<string, ServiceDefinition>;
    before(async () => {
      db = await store.open();
      const deps = testDeps(db);
      const history: unknown[] = [...dayOfClose(-15, 'late')];
      for (let d = 0; d < 20; d++) history.push(...dayOfClose(d, d === 6 || d === 13 ? 'late' : d === 16 ? 'missed' : 'on-time'));
      history.push(...closeDay('day-20', today, { extract: 22, load: { at: 25, minutes: 35, failure: FAILURE } }));
      await ingest(deps, { orchestrator: 'generic', timeZone: 'UTC', items: history, receivedAt: new Date() });
      await deps.queue.close();
      const parsed = parseServiceFile(services);
      assert.equal(parsed.kind, 'ok');
      if (parsed.kind === 'ok') for (const s of parsed.services) await applyService(db.pool, s);
      all = new Map((await listServices(db.pool)).map((s) => [s.name, s.definition]));
    });
    after(async () => {
      await db.close();
    });

    it('keeps one point a minute per instance when two sweeps run together', async () => {
      await Promise.all([sweep(db.pool, new Date(at), 1_000), sweep(db.pool, new Date(at + 20_000), 1_000)]);
      assert.equal(await pointCount(db, 'close'), 1);
      assert.equal(await pointCount(db, 'publish'), 1, 'the publish service\'s latest instance, yesterday\'s, gets one too');
      const [first] = await boardRows(db.pool);
      assert.equal(first?.latest?.at.getTime(), at + 20_000, 'the later of the two forecasts is the latest, whichever was saved last');
      await sweep(db.pool, new Date(at + 50_000), 1_000);
      assert.equal(await pointCount(db, 'close'), 1, 'under a minute after the first point');
      await sweep(db.pool, new Date(at + 100_000), 1_000);
      assert.equal(await pointCount(db, 'close'), 2);
    });

    it('adds one point, and keeps the latest, when eight forecasts of an instance are saved at once', async () => {
      const f = await forecastDefinition(db.pool, all.get('publish') as ServiceDefinition, all, new Date(at + 5 * MIN), { samples: 500 });
      assert.equal(f.kind, 'forecast');
      if (f.kind !== 'forecast') return;
      const before = await pointCount(db, 'publish');
      const times = [7, 3, 0, 5, 1, 6, 2, 4].map((k) => at + 5 * MIN + k * 5_000);
      const saved = await Promise.all(times.map((t) => saveForecast(db.pool, { ...f.value, at: new Date(t) })));
      assert.equal(saved.filter((s) => s.point).length, 1);
      assert.equal(await pointCount(db, 'publish'), (before ?? 0) + 1);
      const publish = (await boardRows(db.pool)).find((r) => r.service === 'publish');
      assert.equal(publish?.latest?.at.getTime(), Math.max(...times));
    });

    it('shows every service on the board, forecast or not, the likeliest breach first', async () => {
      const rows = await boardRows(db.pool);
      assert.deepEqual(rows.map((r) => r.service), ['close', 'publish', 'audit']);
      const [close, publish, audit] = rows;
      assert.equal(audit?.latest, null);
      assert.equal(audit?.definition.deadline.kind, 'duration');
      assert.equal(publish?.latest?.instanceKey, 'day-19');
      assert.equal(close?.definition.title, 'Month close');
      const latest = close?.latest;
      assert.ok(latest && latest.pBreach > 0.3, `P(breach) ${latest?.pBreach}`);
      assert.equal(latest.instanceKey, 'day-20');
      assert.equal(latest.deadline.toISOString(), '2026-11-21T03:00:00.000Z');
      assert.ok(latest.slackMs < 0 && latest.etaP50 instanceof Date);
      const detail = latest.detail;
      assert.ok(detail, 'the latest forecast carries its detail');
      assert.equal(detail.start.getTime(), today);
      assert.deepEqual(detail.fan.map((f) => f.q), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99]);
      assert.ok(detail.fan.every((f, i, fan) => i === 0 || f.at >= (fan[i - 1]?.at ?? f.at)), 'the fan widens in order');
      assert.deepEqual(detail.criticalPath, ['close/extract', 'close/load', 'close/report']);
      assert.deepEqual(detail.criticality.find((c) => c.job === 'close/load')?.state, 'failed');
      assert.equal(detail.timeToAct?.job, 'close/load');
      assert.equal(detail.atRisk, true);
      assert.match(detail.summary, /^\*Month close\* is at risk/);
    });

    it('draws an instance\'s forecasts oldest first, each with its fan', async () => {
      const points = await forecastPoints(db.pool, 'close', 'day-20');
      assert.equal(points.length, 2);
      assert.ok((points[0]?.at ?? 0) < (points[1]?.at ?? 0));
      for (const p of points) {
        assert.ok(p.p10 <= p.p50 && p.p50 <= p.p90, 'quantiles in order');
        assert.equal(p.deadline.toISOString(), '2026-11-21T03:00:00.000Z');
        assert.ok(p.pBreach > 0.3);
      }
      assert.deepEqual(await forecastPoints(db.pool, 'close', 'day-3'), []);
    });

    it('gives an instance already under way the history a sweep would have left, once', async () => {
      const close = all.get('close') as ServiceDefinition;
      const window = { from: new Date(today), until: new Date(today + 90 * MIN), everyMs: 10 * MIN, instanceKey: 'day-20', samples: 1_000 };
      assert.equal(await replaySweeps(db.pool, close, all, window), 9);
      const points = await forecastPoints(db.pool, 'close', 'day-20');
      assert.deepEqual(points.slice(0, 3).map((p) => p.at.getTime()), [today, today + 10 * MIN, today + 20 * MIN]);
      assert.equal(points.length, 11);
      assert.ok((points[0]?.pBreach ?? 1) < 0.3, 'before the load failed, the close looked fine');
      assert.equal((await boardRows(db.pool))[0]?.latest?.at.getTime(), at + 100_000, 'the latest forecast stays the sweep\'s');
      assert.equal(await replaySweeps(db.pool, close, all, window), 0, 'a second replay adds nothing');
    });

    it('tells a late instance from an on-time one over the last 30 days', async () => {
      const history = await instanceHistory(db.pool, all.get('close') as ServiceDefinition, new Date(at));
      assert.deepEqual(history.map((h) => h.key), Array.from({ length: 21 }, (_, d) => `day-${d}`), 'day -15 is over 30 days ago');
      const by = new Map(history.map((h) => [h.key, h]));
      assert.deepEqual(history.filter((h) => h.outcome === 'late').map((h) => h.key), ['day-6', 'day-13']);
      assert.equal(by.get('day-6')?.latenessMs, (31 + 150 + 10 - 120) * MIN);
      assert.equal(by.get('day-6')?.finish?.toISOString(), '2026-11-07T04:11:00.000Z');
      assert.equal(by.get('day-3')?.outcome, 'on-time');
      assert.ok((by.get('day-3')?.latenessMs ?? 0) < 0);
      assert.deepEqual([by.get('day-16')?.outcome, by.get('day-16')?.finish], ['missed', null]);
      assert.deepEqual([by.get('day-20')?.outcome, by.get('day-20')?.latenessMs], ['open', null]);
      assert.equal(by.get('day-20')?.deadline.toISOString(), '2026-11-21T03:00:00.000Z');
      assert.equal((await instanceHistory(db.pool, all.get('close') as ServiceDefinition, new Date(at), 3)).length, 3);
    });

    it('forgets a service\'s points older than 35 days when it adds one', async () => {
      const old = [at - 36 * DAY, at - 34 * DAY];
      for (const t of old) {
        await db.pool.query(`insert into forecast_points (service, instance_key, at, deadline, p_breach, p10, p50, p90)
          values ('close', 'day-old', $1, $1, 0, $1, $1, $1)`, [iso(t)]);
      }
      await sweep(db.pool, new Date(at + 200_000), 1_000);
      const left = await db.pool.query<{ at: Date }>(`select at from forecast_points where instance_key = 'day-old'`);
      assert.deepEqual(left.rows.map((r) => r.at.getTime()), [at - 34 * DAY]);
    });

    it('shows a forecast kept before the history began, without its detail', async () => {
      await db.pool.query(`update service_forecasts set detail = null where service = 'publish'`);
      const publish = (await boardRows(db.pool)).find((r) => r.service === 'publish');
      assert.equal(publish?.latest?.detail, null);
      assert.equal(publish?.latest?.instanceKey, 'day-19');
    });
  });
}
