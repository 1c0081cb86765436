/**
 * The console's incident, decision, approval and audit pages through `inject()`, over incidents,
 * decisions and approvals made by the real code paths: ingested events analysed by the workers,
 * the decide endpoint, the agent's planner.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createAgentRun, driveAgentRun } from '../../src/agent/run.ts';
import { listDecisions } from '../../src/decide/log-sql.ts';
import { createFakeAirflow, type FakeAirflow } from '../../src/fakes/airflow.ts';
import { buildApp } from '../../src/http/app.ts';
import { ingest } from '../../src/ingest/ingest.ts';
import { testConfig, testDeps } from '../support/deps.ts';
import { airflowConnection, airflowTry, failureInput, GATED_POLICIES, healConfig, ingestAndSettle, minutesAgo, policiesFrom, taskInstance } from '../support/heal.ts';
import { testStores } from '../support/stores.ts';
import { workingAppForSuite } from '../support/world.ts';

const STORM = (n: number) => `S3 bucket s3://lake-raw/${n}/part-0001.parquet: 503 Slow Down`;
const HOSTILE = 'ValueError: column <script>alert(1)</script> is not in the schema';
const READ_TOKEN = 'read-only-token-0123456789';

interface Incident { id: number; kind: string; jobs_affected: number; job: { namespace: string; name: string }; signature: { id: number; template: string } }

/** A browser of sorts: keeps the cookies the console sets and sends them back. */
function browserOf(app: FastifyInstance, cookies: Record<string, string> = {}) {
  const jar = new Map<string, string>(Object.entries(cookies));
  const keep = (res: LightMyRequestResponse) => {
    for (const c of [res.headers['set-cookie'] ?? []].flat()) {
      const pair = c.split(';')[0] ?? '';
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return res;
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  return {
    get: async (url: string) => keep(await app.inject({ url, headers: { cookie: cookie() } })),
    post: async (url: string, form: Record<string, string>) => keep(await app.inject({
      method: 'POST', url, payload: new URLSearchParams(form).toString(),
      headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
    })),
  };
}

/** The CSRF token of the first form on a page. */
function csrfOf(res: LightMyRequestResponse): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
  assert.ok(token, 'the page carries a form token');
  return token;
}

/** Generic events of one attempt of `job` in namespace `etl`: started, then failed with `message`. */
function genericTry(job: string, key: string, attempt: number, startMin: number, message: string): unknown[] {
  const at = (m: number) => minutesAgo(30 - m);
  const base = { job: { namespace: 'etl', name: job }, run: { id: `${job}-${key}-${attempt}`, key, attempt } };
  return [
    { ...base, type: 'started', time: at(startMin), startedAt: at(startMin) },
    { ...base, type: 'failed', time: at(startMin + 1), endedAt: at(startMin + 1), error: { message } },
  ];
}

for (const store of testStores()) {
  describe(`console pages for incidents, decisions, approvals and the audit log (${store.name})`, () => {
    let fake: FakeAirflow;
    const suite = workingAppForSuite(store, async () => {
      fake = await createFakeAirflow({ api: 'v2' });
      fake.state.addDag('finance_close', { extract: ['load_dw'], load_dw: ['publish_reports'], publish_reports: [] });
      const deps = { config: healConfig([airflowConnection(fake)], { MEDIC_USER: 'dana' }), policies: await policiesFrom(GATED_POLICIES) };
      return { deps, close: () => fake.close() };
    });
    const browser = () => browserOf(suite.app);

    /** The open incident whose signature's template contains `text`. */
    async function incidentOf(text: string): Promise<Incident> {
      const open = (await suite.app.inject('/v1/incidents?status=open')).json().incidents as Incident[];
      const found = open.find((i) => i.signature.template.includes(text));
      assert.ok(found, `an open incident about ${text}: ${JSON.stringify(open)}`);
      return found;
    }
    /** A failed try of `task` whose callback asks to decide; the decision and the approval it may wait for. */
    async function decided(task: string, run: string) {
      fake.state.addTaskInstance({ dag_id: 'finance_close', dag_run_id: run, task_id: task, state: 'failed', try_number: 1 });
      await ingestAndSettle(suite.deps, 'airflow', 'airflow-prod', [taskInstance({ run, task, state: 'failed', try: 1, start: minutesAgo(10), end: minutesAgo(5) })]);
      const res = await suite.app.inject({ method: 'POST', url: '/v1/decide', payload: failureInput(`airflow-prod/finance_close.${task}`, run, 'psycopg2.OperationalError: could not connect to server') });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { decision_id: string; approval_id: number | null };
    }

    it('shows an incident\'s runs and attempts across orchestrators', async () => {
      await ingest(suite.deps, { orchestrator: 'generic', source: 'etl-cron', timeZone: 'UTC', receivedAt: new Date(), items: [...genericTry('ingest_a', 'd9', 1, 0, STORM(1)), ...genericTry('ingest_a', 'd9', 2, 3, STORM(2))] });
      await ingestAndSettle(suite.deps, 'openlineage', 'airflow-prod', airflowTry({ dag: 'lake', run: 'd9', task: 'ingest_b', try: 1, state: 'failed', start: minutesAgo(25), end: minutesAgo(24), message: STORM(3) }));
      const storm = await incidentOf('Slow Down');
      assert.equal(storm.kind, 'storm');
      assert.equal(storm.jobs_affected, 2);

      const res = await browser().get(`/incidents/${storm.id}`);
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.headers['content-security-policy'] as string, /script-src 'self'/);
      assert.match(res.body, /<h2 id="timeline-h">Runs and attempts<\/h2>/);
      assert.match(res.body, /etl\/ingest_a<br><span class="muted">etl-cron · generic<\/span>/);
      assert.match(res.body, /airflow-prod\/lake\.ingest_b<br><span class="muted">airflow-prod · openlineage<\/span>/);
      const timeline = res.body.slice(res.body.indexOf('timeline-h'), res.body.indexOf('failure-h'));
      assert.equal(timeline.match(/this incident/g)?.length, 3, 'both attempts of the generic run and the Airflow try are in the incident');
      assert.match(res.body, /2 jobs affected/);
      assert.match(res.body, /hx-get="\/incidents\/\d+\/state"[^>]*hx-trigger="sse:incidents/, 'the status is a live region');
      assert.match(res.body, /<a href="\/audit\?incident=\d+">/);
      assert.doesNotMatch(res.body, /style=/, 'no inline styles under the content security policy');

      const state = await browser().get(`/incidents/${storm.id}/state`);
      assert.equal(state.statusCode, 200);
      assert.match(state.body, /^<section id="state"/);

      // A storm is listed under the job it struck first.
      const first = `${storm.job.namespace}/${storm.job.name}`;
      const list = await browser().get(`/incidents?status=open&job=${encodeURIComponent(storm.job.name.slice(-6))}`);
      assert.match(list.body, new RegExp(`href="/incidents/${storm.id}"`));
      const exact = await browser().get(`/incidents?status=all&job=${encodeURIComponent(first)}&match=exact`);
      assert.match(exact.body, new RegExp(`href="/incidents/${storm.id}"`));
      const partial = await browser().get(`/incidents?status=all&job=${encodeURIComponent(first.slice(1))}&match=exact`);
      assert.match(partial.body, /No incident matches these filters/);
      const none = await browser().get(`/incidents?status=resolved&job=${encodeURIComponent(first)}&match=exact`);
      assert.match(none.body, /No incident matches these filters/);
      const bySignature = await browser().get(`/incidents?status=all&signature=${storm.signature.id}&before=${storm.id}`);
      assert.doesNotMatch(bySignature.body, new RegExp(`href="/incidents/${storm.id}"`), 'the older page starts below the cursor');
    });

    it('shows the agent\'s hypotheses and steps on the incident page', async () => {
      const storm = await incidentOf('Slow Down');
      const made = await createAgentRun(suite.deps, { incidentId: storm.id, requestedBy: 'dana' });
      assert.equal(made.kind, 'created', JSON.stringify(made));
      if (made.kind !== 'created') return;
      await driveAgentRun(suite.deps, made.agentRunId);
      const res = await browser().get(`/incidents/${storm.id}`);
      assert.match(res.body, new RegExp(`Agent run #${made.agentRunId}`));
      assert.match(res.body, /<ol class="hypotheses"><li><strong>[a-z-]+<\/strong> <meter/);
      assert.match(res.body, /<td>gather<\/td>/, 'each step of the run is listed');
    });

    it('escapes failure text that looks like HTML', async () => {
      await ingest(suite.deps, { orchestrator: 'generic', source: 'etl-cron', timeZone: 'UTC', receivedAt: new Date(), items: genericTry('validate', 'h1', 1, 10, HOSTILE) });
      await suite.deps.queue.drain(20_000);
      const incident = await incidentOf('is not in the schema');
      const res = await browser().get(`/incidents/${incident.id}`);
      assert.equal(res.statusCode, 200, res.body);
      assert.ok(!res.body.includes('<script>alert(1)</script>'), 'the failure is never markup');
      assert.ok(res.body.includes('column &lt;script&gt;alert(1)&lt;/script&gt; is not in the schema'), 'the failure is shown as text');
      // The list shows the signature's template, where the miner may have masked part of it.
      const list = await browser().get('/incidents?status=open');
      assert.ok(!list.body.includes('<script>alert'), 'the list never shows it as markup');
      assert.match(list.body, /&lt;script&gt;/);
    });

    it('refuses to resolve without the approve scope', async () => {
      const incident = await incidentOf('is not in the schema');
      const config = testConfig({ MEDIC_TOKENS: JSON.stringify([{ name: 'rita', token: READ_TOKEN, scopes: ['read'] }]) });
      const readOnly = await buildApp(testDeps(suite.db, { config }));
      try {
        // A browser that has never had a session cookie is refused by POST /login: the console binds
        // form tokens to the session cookie, '' when there is none, and @fastify/csrf verifies no
        // token against an empty user. Rita's browser still holds the cookie of an ended session.
        const rita = browserOf(readOnly, { medic_session: 'ended-session' });
        const login = await rita.get('/login');
        const signedIn = await rita.post('/login', { _csrf: csrfOf(login), token: READ_TOKEN, next: `/incidents/${incident.id}` });
        assert.equal(signedIn.statusCode, 303, signedIn.body);
        const res = await rita.get(`/incidents/${incident.id}`);
        assert.equal(res.statusCode, 200, res.body);
        assert.match(res.body, /read only/);
        assert.doesNotMatch(res.body, /action="\/incidents\/\d+\/resolve"/, 'no resolve form for someone who may not');
        const refused = await rita.post(`/incidents/${incident.id}/resolve`, { _csrf: csrfOf(res), action: 'manual_fix', outcome: 'success' });
        assert.equal(refused.statusCode, 403, refused.body);
        assert.match(refused.body, /rita may not resolve incidents/);
        assert.equal((await suite.db.pool.query('select status from incidents where id = $1', [incident.id])).rows[0]?.status, 'open');
      } finally {
        await readOnly.close();
      }
    });

    it('resolves an incident from its page and records it in the audit log via web', async () => {
      const incident = await incidentOf('is not in the schema');
      const dana = browser();
      const page = await dana.get(`/incidents/${incident.id}`);
      assert.match(page.body, /<form method="post" action="\/incidents\/\d+\/resolve"/);
      const token = csrfOf(page);
      const missing = await dana.post(`/incidents/${incident.id}/resolve`, { action: 'manual_fix' });
      assert.equal(missing.statusCode, 403, 'a form without its token is refused');
      const forged = await dana.post(`/incidents/${incident.id}/resolve`, { _csrf: 'forged-token', action: 'manual_fix' });
      assert.equal(forged.statusCode, 403, 'a form with a token Medic did not make is refused');
      const done = await dana.post(`/incidents/${incident.id}/resolve`, { _csrf: token, action: 'config_change', detail: 'added the column <b>', outcome: 'success' });
      assert.equal(done.statusCode, 303, done.body);
      assert.equal(done.headers.location, `/incidents/${incident.id}?done=resolved`);
      const after = await dana.get(done.headers.location);
      assert.match(after.body, /role="status">Resolved:/);
      assert.match(after.body, /<span class="badge resolved">resolved<\/span>/);
      assert.match(after.body, /by <strong>dana<\/strong> with <strong>config_change<\/strong>/);
      assert.match(after.body, /added the column &lt;b&gt;/);
      assert.doesNotMatch(after.body, /action="\/incidents\/\d+\/resolve"/, 'a resolved incident has no resolve form');

      const again = await dana.post(`/incidents/${incident.id}/resolve`, { _csrf: token, action: 'retry', outcome: 'success' });
      assert.equal(again.statusCode, 409);
      assert.match(again.body, /already resolved/);

      const audit = await dana.get(`/audit?incident=${incident.id}`);
      assert.equal(audit.statusCode, 200);
      assert.match(audit.body, /<strong>dana<\/strong> <span class="badge">incident.resolved<\/span> by config_change, success, via web/);
      const row = await suite.db.pool.query(`select actor, detail from audit_log where incident_id = $1 and kind = 'incident.resolved'`, [incident.id]);
      assert.deepEqual(row.rows.map((r: { actor: string; detail: { via: string } }) => [r.actor, r.detail.via]), [['dana', 'web']]);
    });

    it('filters the decision log by policy and result', async () => {
      const retry = await decided('load_dw', 'r1');
      const rerun = await decided('publish_reports', 'r1');
      assert.ok(retry.approval_id && rerun.approval_id);

      const loads = await browser().get('/decisions?policy=load-retry-gated&result=retry&job=&kind=&since=&before=');
      assert.equal(loads.statusCode, 200, loads.body);
      assert.match(loads.body, new RegExp(`href="/decisions/${retry.decision_id}"`));
      assert.doesNotMatch(loads.body, new RegExp(`href="/decisions/${rerun.decision_id}"`));
      const mismatch = await browser().get('/decisions?policy=publish-rerun-quorum&result=retry');
      assert.match(mismatch.body, /No decision matches these filters/);
      const reruns = await browser().get('/decisions?result=rerun&job=airflow-prod%2Ffinance_close.publish_reports');
      assert.match(reruns.body, new RegExp(`href="/decisions/${rerun.decision_id}"`));
      const future = await browser().get('/decisions?since=2099-01-01T00%3A00');
      assert.match(future.body, /No decision matches these filters/);
      const badTime = await browser().get('/decisions?since=yesterday');
      assert.equal(badTime.statusCode, 400);

      // Page by page, one decision at a time, the log reads as it does in one go.
      const all = await listDecisions(suite.db.pool, { limit: 50 });
      const walked: string[] = [];
      for (let last = all[0]; last && walked.length < all.length; ) {
        walked.push(last.id);
        last = (await listDecisions(suite.db.pool, { limit: 1, after: { createdAt: last.created_at, id: last.id } }))[0];
      }
      assert.deepEqual(walked, all.map((d) => d.id));

      const one = await browser().get(`/decisions/${retry.decision_id}`);
      assert.equal(one.statusCode, 200, one.body);
      assert.match(one.body, /Retries of the warehouse loads wait for the data on-call/);
      assert.match(one.body, /<td><code>load-retry-gated<\/code><\/td><td>100<\/td><td>enforce<\/td><td>yes<\/td>/);
      assert.match(one.body, new RegExp(`<a href="/approvals/${retry.approval_id}">Approval #${retry.approval_id}</a>: pending`));
      assert.match(one.body, /decision.taken/);
    });

    it('lists pending approvals oldest first and the decided ones apart', async () => {
      const pending = await browser().get('/approvals');
      assert.equal(pending.statusCode, 200, pending.body);
      const ids = [...pending.body.matchAll(/<a href="\/approvals\/(\d+)">Approval #/g)].map((m) => Number(m[1]));
      assert.ok(ids.length >= 2);
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'oldest first');
      assert.match(pending.body, /<a href="\/approvals\?status=pending" aria-current="page">/);
      assert.match(pending.body, /0 of 2/, 'the quorum of the rerun shows');
      const approved = await browser().get('/approvals?status=approved');
      assert.match(approved.body, /No approval request has this status/);
    });

    it('refuses an audit query naming two subjects with a 400 page', async () => {
      const res = await browser().get('/audit?incident=1&approval=2');
      assert.equal(res.statusCode, 400);
      assert.match(res.headers['content-type'] as string, /text\/html/);
      assert.match(res.body, /name exactly one of incident, decision, approval or execution/);
      assert.equal((await browser().get('/audit')).statusCode, 400);
      const approval = (await suite.app.inject('/v1/approvals?status=pending')).json().approvals[0] as { id: number };
      const story = await browser().get(`/audit?approval=${approval.id}`);
      assert.equal(story.statusCode, 200);
      assert.match(story.body, /approval.requested/);
      assert.match(story.body, /<details><summary>Raw detail of step \d+<\/summary>/);
    });
  });
}
