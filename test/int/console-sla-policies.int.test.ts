/**
 * The console's SLA board, service pages and policies page through `inject()`, over runs ingested
 * as orchestrators send them, forecasts made by the sweep and failures analysed by the workers.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { ingest } from '../../src/ingest/ingest.ts';
import { backtest } from '../../src/policies/backtest.ts';
import { openPolicyStore } from '../../src/policies/store.ts';
import { createHashingEmbedder } from '../../src/signatures/embedder.ts';
import { sweep } from '../../src/sla/risks.ts';
import { closeDay, closeService, servicesFile, unseenService } from '../support/close-history.ts';
import { waitFor } from '../support/servers.ts';
import { testStores } from '../support/stores.ts';
import { workingAppForSuite } from '../support/world.ts';

const MIN = 60_000;
const DAY = 86_400_000;
const NOW = Math.floor(Date.now() / MIN) * MIN;
/** Today's close started 70 minutes ago; its load failed 10 minutes ago. */
const today = NOW - 70 * MIN;
const iso = (t: number) => new Date(t).toISOString();
const LATE_DAYS = [4, 11];
const MISSED_DAY = 7;
const FAILURE = 'report query failed: relation dw.ledger_2026 does not exist';

/** Day `d` back: the close (late on `LATE_DAYS`, its report failing on `MISSED_DAY`) and the dashboard's publish. */
function pastDay(d: number): unknown[] {
  const load = LATE_DAYS.includes(d) ? 100 : 30 + (d % 4);
  return closeDay(`day-${d}`, today - d * DAY, {
    extract: 20 + (d % 3), load: { at: 25, minutes: load },
    report: { at: 30 + load, minutes: 10, failure: d === MISSED_DAY ? FAILURE : undefined }, publish: { at: 3 * 60, minutes: 14 },
  });
}

const SERVICES = servicesFile(
  closeService({ title: 'Month <close> & "co"', owners: ['finance-data'], channel: '#close-alerts', deadline: { kind: 'duration', minutes: 90 }, downstream: ['dashboard'] }),
  { name: 'dashboard', jobs: [{ job: 'close/publish' }], deadline: { kind: 'duration', minutes: 60 } },
  unseenService('audit'),
);

const POLICIES = `policies:
  - id: close-load-retry
    description: Retries the close's loads <script>alert(1)</script> after a minute.
    priority: 100
    match: { jobs: ["close/load"] }
    action: { kind: retry, delay_s: 60 }
    guardrails:
      budget: { max: 3, per: signature, window_minutes: 60 }
  - id: report-rerun
    description: Reruns of the report wait for the data on-call.
    priority: 50
    match: { jobs: ["close/report"] }
    action: { kind: rerun }
    approval: { kind: one_of, groups: [data-oncall] }
  - id: people
    description: Everything else goes to people.
    priority: -1
    action: { kind: notify }
`;

/** Keeps the cookies the console sets (its session) and sends them back. */
function browserOf(app: FastifyInstance) {
  const jar = new Map<string, string>();
  return async (url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> => {
    const res = await app.inject({ url, headers: { ...headers, cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of [res.headers['set-cookie'] ?? []].flat()) {
      const pair = c.split(';')[0] ?? '';
      jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
    return res;
  };
}

interface Spec { x?: string; value?: string; zone?: string; series: { label: string; role: string; to?: number }[]; data: (number | null)[][] }

/** The data of the chart `id`, from its script, checking the chart's element names it. */
function chartOf(body: string, id: string): Spec {
  assert.match(body, new RegExp(`<div class="chart[^"]*" data-chart="${id}" role="img" aria-label="[^"<]+"></div>`), `the chart ${id} has an accessible name`);
  const text = new RegExp(`<script type="application/json" id="${id}">([^<]*)</script>`).exec(body)?.[1];
  assert.ok(text, `the page carries the data of ${id}`);
  return JSON.parse(text) as Spec;
}

const section = (body: string, id: string) => body.slice(body.indexOf(`id="${id}"`), body.indexOf('</section>', body.indexOf(`id="${id}"`)));

for (const store of testStores()) {
  describe(`console SLA and policy pages (${store.name})`, () => {
    let dir: string;
    let get: ReturnType<typeof browserOf>;
    const suite = workingAppForSuite(store, async (db) => {
      dir = await mkdtemp(join(tmpdir(), 'medic-policies-'));
      await writeFile(join(dir, 'close.yaml'), POLICIES);
      // With the store, so that a revision stored by the last test becomes the loaded set.
      const policies = await openPolicyStore(dir, createHashingEmbedder(256), { pool: db.pool, pollMs: 0 });
      // Written after loading: the loaded set stays, the lint of the folder shows the fault.
      await writeFile(join(dir, 'broken.yaml'), 'policies:\n  - id: Not An Id\n    description: Upper case and spaces.\n    action: { kind: notify }\n');
      return { deps: { policies }, close: () => rm(dir, { recursive: true, force: true }) };
    });
    before(async () => {
      const history: unknown[] = [];
      for (let d = 20; d >= 1; d--) history.push(...pastDay(d));
      history.push(...closeDay('day-0', today, { extract: 20, load: { at: 25, minutes: 35, failure: FAILURE } }));
      await ingest(suite.deps, { orchestrator: 'generic', timeZone: 'UTC', items: history, receivedAt: new Date() });
      await suite.deps.queue.drain(120_000);
      const applied = await suite.app.inject({ method: 'POST', url: '/v1/services', payload: SERVICES, headers: { 'content-type': 'application/yaml' } });
      assert.equal(applied.statusCode, 200, applied.body);
      for (const minutesAgo of [3, 2, 1]) await sweep(suite.db.pool, new Date(NOW - minutesAgo * MIN), 1_000);
      get = browserOf(suite.app);
    });

    it('shows every service on the board with its fan of forecasts and deadline', async () => {
      const res = await get('/sla');
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['set-cookie']), /medic_session=/, 'a loopback caller is signed in');
      assert.match(res.headers['content-security-policy'] as string, /script-src 'self'/);
      assert.match(res.body, /<script src="\/assets\/[0-9a-f]+\/uplot\.js" defer><\/script>/, 'the page loads the chart library');
      assert.match(res.body, /<section id="board" class="region" aria-labelledby="board-h" hx-get="\/sla\/board" hx-trigger="sse:sla/);
      assert.ok(res.body.includes('Month &lt;close&gt; &amp; &quot;co&quot;') && !res.body.includes('<close>'), 'a service title is text, not markup');

      const board = section(res.body, 'board');
      const order = ['/services/close"', '/services/dashboard"', '/services/audit"'].map((href) => board.indexOf(href));
      assert.ok(order.every((at, i) => at > 0 && (i === 0 || at > (order[i - 1] ?? 0))), `likeliest breach first: ${order.join(', ')}`);
      assert.match(board, /<meter min="0" max="1" low="0.3" high="0.6" optimum="0" value="[0-9.]+"/);
      assert.match(board, /not forecast<\/span> Medic has seen no event of close\/audit_export/);

      const fan = chartOf(res.body, 'fan-data-0');
      assert.deepEqual(fan.series.map((s) => [s.label, s.role, s.to]), [['p90 finish', 'band', 1], ['p10 finish', 'band', undefined], ['p50 finish', 'line', undefined], ['deadline', 'deadline', undefined]]);
      const [xs, p90, p10, p50, deadline] = fan.data;
      assert.deepEqual(xs, [3, 2, 1].map((m) => (NOW - m * MIN) / 1000), 'one point per sweep, when it forecast');
      assert.ok(deadline?.every((d) => d === (today + 90 * MIN) / 1000), 'the deadline of today\'s instance');
      xs?.forEach((_, i) => assert.ok((p10?.[i] ?? 0) <= (p50?.[i] ?? 0) && (p50?.[i] ?? 0) <= (p90?.[i] ?? 0), 'p10 ≤ p50 ≤ p90'));
      assert.equal(fan.zone, suite.deps.config.timeZone);
      assert.match(res.body, /<caption>Latest forecast of the finish<\/caption>\n<thead><tr><th scope="col">Done by<\/th><th scope="col">p10<\/th>/, 'the fan as a table, for readers without scripts');
      assert.match(res.body, /Critical path: <span class="path"><code>close\/extract<\/code>/);

      const fragment = await get('/sla/board', { 'hx-request': 'true' });
      assert.equal(fragment.statusCode, 200);
      assert.match(fragment.body, /^<section id="board"/);
      assert.ok(fragment.body.includes('<script type="application/json" id="fan-data-0">'));
    });

    it('draws a service\'s last 30 days of instances against its deadline', async () => {
      const res = await get('/services/close');
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.body, /<title>Service: Month &lt;close&gt; &amp; &quot;co&quot; · Medic<\/title>/);
      assert.match(res.body, /<dt>Owners<\/dt><dd>finance-data<\/dd>/);
      assert.match(res.body, /<dt>Channel<\/dt><dd>#close-alerts<\/dd>/);
      assert.match(res.body, /<dt>Deadline<\/dt><dd>90 min after the instance starts<\/dd>/);
      assert.match(res.body, /<th scope="row"><code>close\/report<\/code><\/th>\n<td><code>close\/load<\/code> <span class="muted">\(service definition\)<\/span>/);

      const history = chartOf(res.body, 'history-data');
      assert.equal(history.x, 'days');
      assert.equal(history.value, 'minutes');
      const [starts, lateness, zero] = history.data;
      assert.equal(starts?.length, 21, 'twenty past days and today');
      assert.deepEqual(starts?.slice(-2), [(today - DAY) / 1000, today / 1000], 'oldest first');
      assert.ok(zero?.every((z) => z === 0), 'the deadline is 0');
      const byDay = (d: number) => lateness?.[20 - d];
      for (const d of LATE_DAYS) assert.ok((byDay(d) ?? 0) > 30, `day ${d} was late: ${byDay(d)}`);
      assert.ok((byDay(1) ?? 0) < 0, 'an ordinary day ends before its deadline');
      assert.equal(byDay(MISSED_DAY), null, 'a failed report never finished');
      assert.equal(byDay(0), null, 'today is still open');

      const table = section(res.body, 'history-h');
      assert.match(table, /21 instances in the last 30 days: 17 on time, 2 late, 1 missed, 1 still open/);
      assert.match(table, /<th scope="row"><a href="\/services\/close\/lineage\?key=day-4"><code>day-4<\/code><\/a><\/th>.*\n<td><span class="late">late by [0-9]+ min<\/span><\/td><td><span class="badge warn">late<\/span>/);
      assert.match(table, /<code>day-7<\/code>[^]*?not done, [^<]+ past the deadline[^]*?<span class="badge failed">missed<\/span>/);
      assert.match(table, /<code>day-1<\/code>[^]*?early by [0-9]+ min/);

      const forecast = section(res.body, 'forecast');
      assert.match(forecast, /hx-get="\/services\/close\/forecast" hx-trigger="sse:sla/);
      assert.match(forecast, /<th scope="row"><code>close\/load<\/code><\/th>\n<td><meter min="0" max="1" value="[0-9.]+" aria-label="criticality of close\/load">/);
      assert.match(forecast, /<a href="\/services\/dashboard">dashboard<\/a>/, 'the downstream service');
      assert.equal(chartOf(res.body, 'fan-data').data[0]?.length, 3);
      assert.match((await get('/services/close/forecast', { 'hx-request': 'true' })).body, /^<section id="forecast"/);

      const audit = await get('/services/audit');
      assert.equal(audit.statusCode, 200);
      assert.match(audit.body, /Not forecast yet: Medic has seen no event of close\/audit_export/);
      assert.match(audit.body, /0 instances in the last 30 days/);
    });

    it('answers 404 for a service that does not exist', async () => {
      const res = await get('/services/nope');
      assert.equal(res.statusCode, 404);
      assert.match(res.body, /<title>Not found · Medic<\/title>/);
      assert.match(res.body, /service &quot;nope&quot; does not exist/);
      const hostile = await get(`/services/${encodeURIComponent('<script>x</script>')}`);
      assert.equal(hostile.statusCode, 404);
      assert.ok(!hostile.body.includes('<script>x'), 'the name asked for is text');
      assert.equal((await get('/services/nope/forecast', { 'hx-request': 'true' })).statusCode, 404);
    });

    it('lists the loaded policies with their lint result', async () => {
      const res = await get('/policies');
      assert.equal(res.statusCode, 200, res.body);
      const set = suite.deps.policies.current();
      assert.ok(res.body.includes(`<dt>Revision</dt><dd><code>${set.revision}</code></dd>`));
      for (const id of ['close-load-retry', 'report-rerun', 'people']) assert.ok(res.body.includes(`<article class="policy" id="policy-${id}"`), id);
      assert.ok(res.body.includes('Retries the close&#39;s loads &lt;script&gt;alert(1)&lt;/script&gt; after a minute.') && !res.body.includes('<script>alert(1)'));
      const rerun = res.body.slice(res.body.indexOf('id="policy-report-rerun"'));
      assert.match(rerun, /<dt>Approval<\/dt><dd>one of data-oncall, not whoever asked<\/dd>/);
      assert.match(rerun, /<dt>Source<\/dt><dd><code>close\.yaml:9<\/code><\/dd>/);
      assert.match(rerun, /<pre class="yaml"><code>id: report-rerun\ndescription: Reruns of the report wait for the data on-call\.\npriority: 50\n/);
      assert.match(res.body, /budget: at most 3 per signature in 60 min, then escalate/);

      // The check runs in the background; a busy machine may take a while, as the page's own polling allows.
      const first = section(res.body, 'lint');
      const lint = first.includes('Checking the folder')
        ? await waitFor('the lint result', async () => {
          const body = (await get('/policies/lint', { 'hx-request': 'true' })).body;
          return body.includes('Checking the folder') ? undefined : body;
        }, 30_000)
        : first;
      assert.match(lint, /1 issue<\/strong>/);
      assert.match(lint, /<td><code>broken\.yaml:2:[0-9]+<\/code><\/td><td><code>policies\.0\.id<\/code><\/td><td>must be lowercase letters/);
    });

    it('serves a policy\'s backtest once it is computed', async () => {
      const first = await get('/policies/report-rerun/backtest', { 'hx-request': 'true' });
      assert.equal(first.statusCode, 200);
      let body = first.body;
      if (body.includes('Computing')) assert.match(body, /hx-get="\/policies\/report-rerun\/backtest" hx-trigger="load delay:2s" hx-swap="outerHTML"/);
      for (let i = 0; i < 300 && body.includes('Computing'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        body = (await get('/policies/report-rerun/backtest', { 'hx-request': 'true' })).body;
      }
      const expected = await backtest(suite.db.pool, suite.deps.policies.current(), new Date(Date.now() - 30 * DAY));
      const reruns = expected.byPolicy['report-rerun'] ?? 0;
      assert.ok(reruns >= 1, `the failed report is replayed: ${JSON.stringify(expected.byPolicy)}`);
      assert.match(body, new RegExp(`It would have decided <strong>${reruns}</strong> of the ${expected.failures} failures of the last 30 days`));
      assert.match(body, new RegExp(`rerun ${reruns}; ${reruns} asked for an approval`));
      assert.match(body, /Revision <code>[0-9a-f]+<\/code>, computed /);

      const region = await get('/policies/backtest', { 'hx-request': 'true' });
      assert.match(region.body, /^<section class="region" id="backtest"/);
      assert.ok(!region.body.includes('hx-trigger="load delay:2s"'), 'nothing left to poll for');
      assert.match(region.body, new RegExp(`<a href="#policy-report-rerun"><code>report-rerun</code></a></th>\\n<td>${reruns}</td>`));
      const page = await get('/policies');
      assert.match(section(page.body, 'policy-close-load-retry'), /It would have decided <strong>[0-9]+<\/strong>/);
      assert.equal((await get('/policies/nope/backtest', { 'hx-request': 'true' })).statusCode, 404);
    });

    it('thins ten hours of forecasts a minute to what a chart can show, keeping the first and the latest', async () => {
      // 600 more points of today's close, a minute apart, before the sweeps' three.
      await suite.db.pool.query(
        `insert into forecast_points (service, instance_key, at, deadline, p_breach, p10, p50, p90)
         select 'close', 'day-0', $1::timestamptz - make_interval(mins => g), $2, 0.5, $2, $2, $2 from generate_series(1, 600) g`,
        [iso(NOW - 3 * MIN), iso(today + 90 * MIN)]);
      const [boardXs] = chartOf((await get('/sla')).body, 'fan-data-0').data;
      assert.ok(boardXs && boardXs.length <= 121 && boardXs.length >= 100, `the board draws ${boardXs?.length} of 603`);
      assert.deepEqual([boardXs[0], boardXs.at(-1)], [(NOW - 603 * MIN) / 1000, (NOW - MIN) / 1000]);
      assert.ok(boardXs.every((x, i) => i === 0 || (x ?? 0) > (boardXs[i - 1] ?? 0)), 'oldest first');
      const [pageXs] = chartOf((await get('/services/close')).body, 'fan-data').data;
      assert.ok(pageXs && pageXs.length <= 481 && pageXs.length > 121, `the service page draws ${pageXs?.length}`);
      assert.equal(pageXs.at(-1), (NOW - MIN) / 1000);
    });

    // Last: the stored revisions become the loaded set.
    it('lists stored revisions newest first, a page at a time, and shows the source of the active one rather than the folder\'s', async () => {
      assert.match((await get('/policies/revisions')).body, /No revision is stored[^<]*<code>medic policies apply DIR --yes<\/code>/);
      const apply = async (text: string, extra: object) => {
        const res = await suite.app.inject({ method: 'POST', url: '/v1/policies/revisions', payload: { files: [{ name: 'close.yaml', text }], ...extra } });
        assert.equal(res.statusCode, 201, res.body);
        return res.json<{ revision: string }>().revision;
      };
      const first = await apply(POLICIES, { message: 'as in the folder' });
      const stored = `# Stored, not in the folder.\n${POLICIES.replace('wait for the data on-call.', 'wait for the data on-call, as stored.')}`;
      const second = await apply(stored, { author: 'Ada <ada@example.com>', commit: '1a2b3c4d5e6f7a8b9c0d', message: 'reword <the> rerun' });

      const newest = await get('/policies/revisions?limit=1');
      assert.equal(newest.statusCode, 200, newest.body);
      assert.ok(newest.body.includes(`<td>2</td><th scope="row"><a href="/policies/revisions/${second}"><code>${second}</code></a> <span class="badge">active</span></th><td>Ada &lt;ada@example.com&gt;</td>\n<td><code>1a2b3c4d5e6f</code></td><td>reword &lt;the&gt; rerun</td>`));
      assert.ok(!newest.body.includes(first), 'one a page');
      assert.ok(newest.body.includes('<a href="/policies/revisions?before=2&amp;limit=1">Older revisions</a>'), 'a full page links to the older ones');
      const older = await get('/policies/revisions?before=2&limit=1');
      assert.match(older.body, new RegExp(`<td>1</td><th scope="row"><a href="/policies/revisions/${first}"><code>${first}</code></a></th>`), 'not active');
      assert.ok(!older.body.includes('Older revisions'), 'no older revision');
      const all = await get('/policies/revisions');
      assert.ok(all.body.indexOf(second) < all.body.indexOf(first) && !all.body.includes('Older revisions'), 'newest first, on one page');
      assert.equal((await get('/policies/revisions?before=two')).statusCode, 400);
      assert.ok((await get(`/policies/revisions/${second}`)).body.includes('<a href="/policies/revisions">Every stored revision</a>'));

      const policies = await get('/policies');
      assert.match(policies.body, new RegExp(`<dt>From</dt><dd>stored revision <a href="/policies/revisions/${second}">.*<a href="/policies/revisions">every stored revision</a></dd>`));
      const rerun = section(policies.body, 'policy-report-rerun');
      assert.match(rerun, /<dt>Source<\/dt><dd><code>close\.yaml:10<\/code><\/dd>/, 'the line in the stored file, one below the folder\'s');
      assert.match(rerun, /<pre class="yaml"><code>id: report-rerun\ndescription: Reruns of the report wait for the data on-call, as stored\.\n/);
    });
  });
}
