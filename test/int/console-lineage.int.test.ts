/**
 * The console's lineage page ("where did it start?") through `inject()`, over ten days of a small
 * close across three schedulers ingested as they send them: a day whose load failed, and today,
 * still running, whose extract wrote 40 % of its usual rows.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { testStores } from '../support/stores.ts';
import { workingAppForSuite } from '../support/world.ts';

const MIN = 60_000;
const DAY = 86_400_000;
const NOW = Math.floor(Date.now() / MIN) * MIN;
/** Today's instance began an hour ago: its report runs, its export has not started. */
const TODAY = NOW - 60 * MIN;
const FAILED_DAY = 4;
const iso = (t: number) => new Date(t).toISOString();
const ROWS = (d: number) => 10_000 + ((d * 7_919) % 41) * 25;

interface Plan { rows?: number; loadFails?: boolean; today?: boolean }

/**
 * Day `d` back: `crm/extract` (20 min) writes the accounts, `dw/load` (30 min) reads them and
 * writes the ledger, `dw/report` (10 min) after it; `ops/export` starts on a clock at +70 min in
 * a scheduler that reports no lineage. Today stops an hour in, with the report running.
 */
function day(d: number, plan: Plan = {}): object[] {
  const t0 = d === 0 ? TODAY : TODAY - d * DAY;
  const key = `day-${d}`;
  const rows = plan.rows ?? ROWS(d);
  const run = (ns: string, name: string, source: string, at: number, minutes: number | null, extra: object = {}, failed = false) => {
    const base = { job: { namespace: ns, name }, run: { id: `${name}-${key}`, key }, source };
    const start = t0 + at * MIN;
    const started = { ...base, type: 'started', time: iso(start), startedAt: iso(start) };
    if (minutes === null) return [started];
    const end = iso(start + minutes * MIN);
    const outcome = failed ? { type: 'failed', error: { message: 'relation "accounts" has no rows for the day' } } : { type: 'completed' };
    return [started, { ...base, ...outcome, time: end, endedAt: end, ...extra }];
  };
  const accounts = { namespace: 'crm', name: 'accounts' };
  const ledger = { namespace: 'dw', name: 'ledger' };
  return [
    ...run('crm', 'extract', 'crm-batch', 0, 20, { outputs: [{ ...accounts, rowCount: rows }] }),
    ...run('dw', 'load', 'dw-airflow', 22, 30, { inputs: [accounts], outputs: plan.loadFails ? [] : [{ ...ledger, rowCount: rows * 3 }] }, plan.loadFails),
    ...(plan.loadFails ? [] : run('dw', 'report', 'dw-airflow', 55, plan.today ? null : 10, { inputs: [ledger], upstream: [{ namespace: 'dw', name: 'load' }] })),
    ...(plan.today ? [] : run('ops', 'export', 'ops-scheduler', 70, 10, {}, plan.loadFails)),
  ];
}

const SERVICE = {
  name: 'close', deadline: { kind: 'duration', minutes: 180 },
  jobs: [{ job: 'crm/extract' }, { job: 'dw/load', after: ['crm/extract'] }, { job: 'dw/report', after: ['dw/load'] }, { job: 'ops/export' }],
};

const section = (body: string, id: string) => body.slice(body.indexOf(`<section id="${id}"`), body.indexOf('</section>', body.indexOf(`<section id="${id}"`)));
const rowOf = (body: string, job: string) => new RegExp(`<tr( class="[a-z-]+")?>\\n<th scope="row"><code>${job}</code>[^]*?</tr>`).exec(body)?.[0] ?? '';

for (const store of testStores()) {
  describe(`console lineage page (${store.name})`, () => {
    const suite = workingAppForSuite(store, async () => ({}));
    const get = (url: string, fragment = false): Promise<LightMyRequestResponse> => suite.app.inject({ url, headers: fragment ? { 'hx-request': 'true' } : {} });
    let incident: number;

    before(async () => {
      const events = [];
      for (let d = 10; d >= 1; d--) events.push(...day(d, { loadFails: d === FAILED_DAY }));
      events.push(...day(0, { rows: Math.round(ROWS(0) * 0.4), today: true }));
      const res = await suite.app.inject({ method: 'POST', url: '/v1/events', payload: { source: 'generic', events } });
      assert.equal(res.statusCode, 200, res.body);
      const applied = await suite.app.inject({ method: 'POST', url: '/v1/services', payload: SERVICE });
      assert.equal(applied.statusCode, 200, applied.body);
      await suite.deps.queue.drain(60_000);
      const open = (await suite.app.inject('/v1/incidents')).json().incidents as { id: number; job: { namespace: string; name: string } }[];
      const found = open.find((i) => i.job.namespace === 'ops') ?? open[0];
      assert.ok(found, 'the failed day opened an incident');
      incident = found.id;
    });

    it('shows today\'s running instance live: its facts, its jobs upstream first and the link inferred from timing', async () => {
      const res = await get('/services/close/lineage');
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.body, /<title>Where did it start\? close, instance day-0 · Medic<\/title>/);
      assert.match(res.body, /<main id="main" hx-ext="sse" sse-connect="\/events">/, 'a running instance is followed live');
      const facts = section(res.body, 'instance');
      assert.match(facts, /<dt>Instance<\/dt><dd><code>day-0<\/code><\/dd>/);
      assert.match(facts, /<dt>Deadline<\/dt><dd><time [^>]+>[^<]+<\/time> <span class="muted">\((2 h 00|1 h 59) min left\)<\/span>/);
      assert.match(facts, /<span class="badge running">running<\/span> 3 of 4 jobs have started/);
      for (const part of ['instance', 'origin', 'timeline', 'links']) {
        assert.match(res.body, new RegExp(`<section id="${part}" class="region" aria-labelledby="${part}-h" hx-get="/services/close/lineage/region\\?key=day-0&amp;part=${part}" hx-trigger="sse:sla`));
      }

      const timeline = section(res.body, 'timeline');
      const order = ['crm/extract', 'dw/load', 'dw/report', 'ops/export'].map((j) => timeline.indexOf(`<th scope="row"><code>${j}</code>`));
      assert.ok(order.every((at, i) => at > 0 && (i === 0 || at > (order[i - 1] ?? 0))), `upstream first: ${order.join(', ')}`);
      assert.match(rowOf(timeline, 'dw/report'), /<span class="badge running">running<\/span>/);
      assert.match(rowOf(timeline, 'ops/export'), /<span class="badge">no run<\/span>[^]*usually ends \+80 min/);
      assert.match(rowOf(timeline, 'dw/load'), /<svg class="bar" viewBox="0 0 1000 18" preserveAspectRatio="none" role="img" aria-label="Minutes after the instance began: ran 22–52; usually ends 52; deadline 180">/);

      const links = section(res.body, 'links');
      assert.match(links, /Inferred from timing[^]*<code>dw\/report<\/code> <span aria-hidden="true">→<\/span><span class="visually-hidden">to<\/span> <code>ops\/export<\/code> <span class="badge inferred">inferred<\/span><br><span class="muted">no system reports what ops\/export waits for; dw\/report ended before it started in \d+ of \d+ past instances/);
      assert.match(links, /From the service definition[^]*<code>crm\/extract<\/code>[^]*<code>dw\/load<\/code>/);

      const region = await get('/services/close/lineage/region?key=day-0&part=timeline', true);
      assert.equal(region.statusCode, 200);
      assert.match(region.body, /^<section id="timeline" class="region" aria-labelledby="timeline-h" hx-get=/);
      assert.equal((await get('/services/close/lineage/region?key=day-0&part=nope', true)).statusCode, 400);
    });

    it('names the extract that wrote 40 % of its rows as the origin of today\'s problems, with what to rerun', async () => {
      const origin = section((await get('/services/close/lineage')).body, 'origin');
      assert.match(origin, /<code>crm\/extract<\/code> wrote <code>crm\/accounts<\/code> far from its usual size/);
      assert.match(origin, /Probable origin: <code>crm\/extract<\/code>/);
      assert.match(origin, /<meter min="0" max="1" low="0.4" high="0.7" optimum="1" value="[0-9.]+" aria-label="confidence that crm\/extract is the origin">/);
      assert.match(origin, /<ol class="reruns"><li><code>dw\/load<\/code>[^]*<li><code>dw\/report<\/code>/);
      assert.match(origin, /<a href="\/services\/close">close<\/a><\/th><td><time [^>]+>[^<]+<\/time><\/td><td>(2 h 00|1 h 59) min left<\/td>/);
      const timeline = section((await get('/services/close/lineage')).body, 'timeline');
      assert.match(rowOf(timeline, 'crm/extract'), /^<tr class="origin">/);
      assert.match(timeline, /wrote <code>crm\/accounts<\/code>: 4,0[0-9]{2} rows; <strong class="late">suspect<\/strong>: [^<]+<\/li>/);
    });

    it('puts a past day\'s failure on the load, the export inheriting it, and shows a past moment still', async () => {
      const res = await get(`/services/close/lineage?key=day-${FAILED_DAY}`);
      assert.equal(res.statusCode, 200, res.body);
      assert.doesNotMatch(res.body, /hx-get=|sse-connect/, 'a stopped instance does not refresh');
      assert.match(section(res.body, 'instance'), /<span class="badge failed">stopped<\/span> 1 of 4 jobs never ran/);
      const origin = section(res.body, 'origin');
      assert.match(origin, /Probable origin: <code>dw\/load<\/code>/);
      assert.match(origin, /<tr class="origin">\n<td>1<\/td>\n<th scope="row"><code>dw\/load<\/code>/);
      assert.match(origin, /<th scope="row"><code>ops\/export<\/code>[^]*?<span class="badge inherited">inherited<\/span>[^]*?its problem came from upstream/);
      assert.match(origin, /Rerun (this one|these \d in order) once load is fixed/);
      assert.match(rowOf(section(res.body, 'timeline'), 'ops/export'), /^<tr class="inherited">[^]*<span class="badge inherited">inherited<\/span>[^]*<span class="badge failed">failed<\/span>/);

      const past = await get(`/services/close/lineage?at=${encodeURIComponent(iso(TODAY + 30 * MIN))}`);
      assert.equal(past.statusCode, 200, past.body);
      assert.match(past.body, /<span class="badge">a past moment<\/span>/);
      assert.match(past.body, /<span class="badge running">was running<\/span> 2 of 4 jobs had started/);
      assert.doesNotMatch(past.body, /hx-get=/);
    });

    it('traces an incident upstream from the incident page, and links to it from the incident and service pages', async () => {
      assert.match((await get(`/incidents/${incident}`)).body, new RegExp(`<a href="/incidents/${incident}/lineage">Where did it start\\?</a>`));
      assert.match((await get('/services/close')).body, /<a href="\/services\/close\/lineage">Trace today's instance: where did it start\?<\/a>/);
      const res = await get(`/incidents/${incident}/lineage`);
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.body, new RegExp(`<title>Where did incident #${incident} start\\? · Medic</title>`));
      assert.match(section(res.body, 'instance'), new RegExp(`<code>day-${FAILED_DAY}</code>`));
      assert.match(section(res.body, 'origin'), /Probable origin: <code>dw\/load<\/code>/);
      assert.match(res.body, new RegExp(`<a href="/services/close/lineage\\?key=day-${FAILED_DAY}">The whole instance of close</a>`));
      assert.match((await get(`/incidents/${incident}/lineage/region?part=origin`, true)).body, /^<section id="origin" class="region"/);
    });

    it('answers 404 for a service, an instance or an incident it does not know, and 400 for a time that is not one', async () => {
      for (const url of ['/services/nope/lineage', '/services/close/lineage?key=no-such-key', '/incidents/999999/lineage']) {
        const res = await get(url);
        assert.equal(res.statusCode, 404, url);
        assert.match(res.body, /<title>Not found · Medic<\/title>/);
      }
      assert.match((await get('/services/nope/lineage')).body, /service &quot;nope&quot; does not exist/);
      assert.equal((await get('/services/nope/lineage/region?part=origin', true)).statusCode, 404);
      const bad = await get('/services/close/lineage?at=yesterday');
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /must be a time such as/);
    });
  });
}
