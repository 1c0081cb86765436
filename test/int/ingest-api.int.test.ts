import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { openDatabase } from '../../src/db/pool.ts';
import { appForSuite, countRows, testApp } from '../support/app.ts';
import { sharedData, testConfig } from '../support/deps.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

const examplesDir = sharedData('formats', 'openlineage', 'examples');
const exampleFiles = readdirSync(examplesDir, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.json'))
  .map((f) => join(examplesDir, f));

/** A complete RunEvent per the spec (templates and fragments in the examples folder are not). */
function isCompleteRunEvent(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const x = e as Record<string, unknown>;
  const run = x.run as Record<string, unknown> | undefined;
  return typeof x.eventTime === 'string' && !Number.isNaN(Date.parse(x.eventTime)) && typeof run?.runId === 'string' && typeof x.job === 'object';
}

const genericEvent = (over: Record<string, unknown> = {}) => ({
  job: { namespace: 'onboarding', name: 'kyc_check' },
  run: { id: 'r-1', key: 'app-1', attempt: 1 },
  type: 'failed',
  time: '2026-11-02T10:00:00Z',
  error: { message: 'HTTP 503 from kyc vendor' },
  ...over,
});

for (const store of testStores()) {
  describe(`ingest over HTTP (${store.name})`, () => {
    const suite = appForSuite(store);

    it('accepts every complete OpenLineage example at /api/v1/lineage, and adds nothing the second time', async () => {
      let posted = 0;
      for (const file of exampleFiles) {
        const body = JSON.parse(readFileSync(file, 'utf8')) as unknown;
        const events = Array.isArray(body) ? body : [body];
        if (!events.every(isCompleteRunEvent)) continue;
        const first = await suite.app.inject({ method: 'POST', url: '/api/v1/lineage', payload: body as object });
        assert.equal(first.statusCode, 200, `${file}: ${first.body}`);
        assert.equal(first.json().rejected, 0, file);
        posted += 1;
      }
      assert.ok(posted >= 8, `only ${posted} complete example files`);
      const before = await countRows(suite.db, 'run_events');
      for (const file of exampleFiles) {
        const body = JSON.parse(readFileSync(file, 'utf8')) as unknown;
        const events = Array.isArray(body) ? body : [body];
        if (!events.every(isCompleteRunEvent)) continue;
        const again = await suite.app.inject({ method: 'POST', url: '/api/v1/lineage', payload: body as object });
        assert.equal(again.json().accepted, 0, `${file} was stored twice`);
      }
      assert.equal(await countRows(suite.db, 'run_events'), before);
    });

    it('refuses an incomplete OpenLineage event with 400 naming the missing field', async () => {
      const res = await suite.app.inject({ method: 'POST', url: '/api/v1/lineage', payload: { eventType: 'START', job: { namespace: 'a', name: 'b' } } });
      assert.equal(res.statusCode, 400);
      const paths = res.json().items[0].issues.map((i: { path: string[] }) => i.path.join('.'));
      assert.ok(paths.includes('eventTime') || paths.includes('run'), JSON.stringify(paths));
    });

    it('takes gzip bodies as the OpenLineage HTTP transport sends them', async () => {
      const event = JSON.parse(readFileSync(join(examplesDir, 'marquez', 'event_simple.json'), 'utf8')) as Record<string, unknown>;
      const changed = { ...event, eventTime: '2024-01-01T00:00:00Z', run: { runId: '11111111-2222-4333-8444-555555555555' } };
      const res = await suite.app.inject({
        method: 'POST', url: '/api/v1/lineage', payload: gzipSync(JSON.stringify(changed)),
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().accepted, 1);
    });

    it('answers garbage with 400 and says what is wrong', async () => {
      const notJson = await suite.app.inject({ method: 'POST', url: '/v1/events', payload: '{"source": ', headers: { 'content-type': 'application/json' } });
      assert.equal(notJson.statusCode, 400);
      assert.match(notJson.json().error.message, /JSON/i);
      const badSource = await suite.app.inject({ method: 'POST', url: '/v1/events', payload: { source: 'cron', events: [{}] } });
      assert.equal(badSource.statusCode, 400);
      assert.deepEqual(badSource.json().error.details[0].path, ['body', 'source']);
    });

    it('keeps the good items of a batch and rejects the bad one with its path', async () => {
      const before = await countRows(suite.db, 'run_events');
      const res = await suite.app.inject({
        method: 'POST', url: '/v1/events',
        payload: { source: 'generic', events: [genericEvent(), genericEvent({ job: { namespace: 'onboarding' } }), genericEvent({ run: { id: 'r-2', key: 'app-2' } })] },
      });
      assert.equal(res.statusCode, 207, res.body);
      const body = res.json();
      assert.deepEqual(body.items.map((i: { status: string }) => i.status), ['accepted', 'rejected', 'accepted']);
      assert.deepEqual(body.items[1].issues[0].path, ['job', 'name']);
      assert.equal(await countRows(suite.db, 'run_events'), before + 2);
    });

    it('stores a payload the database refused as sent, with its unstorable bytes replaced, keeping its neighbours', async () => {
      const before = await countRows(suite.db, 'run_events');
      const res = await suite.app.inject({
        method: 'POST', url: '/v1/events',
        payload: { source: 'generic', events: [
          genericEvent({ run: { id: 'nul-1', key: 'nul-1' } }),
          genericEvent({ run: { id: 'nul-2', key: 'nul-2' }, error: { message: 'bad byte \u0000 here' } }),
          genericEvent({ run: { id: 'nul-3', key: 'nul-3' } }),
        ] },
      });
      assert.equal(res.statusCode, 200, res.body);
      const items = res.json().items as { status: string }[];
      assert.deepEqual(items.map((i) => i.status), ['accepted', 'accepted', 'accepted']);
      assert.equal(await countRows(suite.db, 'run_events'), before + 3);
    });

    it('lists the runs it stored, filtered by state and job', async () => {
      const res = await suite.app.inject({ method: 'GET', url: '/v1/runs?state=failed&job=kyc_check' });
      assert.equal(res.statusCode, 200);
      const runs = res.json().runs as { job: { name: string }; state: string; error_message: string }[];
      assert.ok(runs.length >= 4);
      assert.ok(runs.every((r) => r.job.name === 'kyc_check' && r.state === 'failed'));
      assert.equal(runs[0]?.error_message, 'HTTP 503 from kyc vendor');
      const jobs = await suite.app.inject({ method: 'GET', url: '/v1/jobs' });
      const kyc = (jobs.json().jobs as { id: number; name: string }[]).find((j) => j.name === 'kyc_check');
      assert.ok(kyc);
      const jobRuns = await suite.app.inject({ method: 'GET', url: `/v1/jobs/${kyc.id}/runs` });
      assert.equal(jobRuns.json().runs.length, runs.length);
      const missing = await suite.app.inject({ method: 'GET', url: '/v1/jobs/999999/runs' });
      assert.equal(missing.statusCode, 404);
    });

    it('rejects a bad query parameter with its name', async () => {
      const res = await suite.app.inject({ method: 'GET', url: '/v1/runs?state=exploded' });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json().error.details[0].path, ['querystring', 'state']);
    });

    it('is ready when the database answers, and serves metrics and the OpenAPI document', async () => {
      assert.equal((await suite.app.inject('/healthz')).statusCode, 200);
      const ready = await suite.app.inject('/readyz');
      assert.equal(ready.statusCode, 200, ready.body);
      assert.equal(ready.json().store, suite.db.kind);
      // A migration this build ships that the store has not applied makes the process not ready.
      const last = (await suite.db.pool.query<{ id: number; name: string }>('select id, name from medic_migrations order by id desc limit 1')).rows[0];
      await suite.db.pool.query('delete from medic_migrations where id = $1', [last?.id]);
      try {
        const behind = await suite.app.inject('/readyz');
        assert.equal(behind.statusCode, 503);
        assert.match(behind.json().reason, new RegExp(`migrations not applied: ${last?.name}`));
      } finally {
        await suite.db.pool.query('insert into medic_migrations (id, name) values ($1, $2)', [last?.id, last?.name]);
      }
      assert.match((await suite.app.inject('/metrics')).body, /medic_ingest_items_total/);
      const spec = await suite.app.inject('/docs/json');
      assert.ok(spec.json().paths['/v1/events']);
    });

    it('serves the documentation page, its assets and the OpenAPI document as YAML, built on the first visit', async () => {
      const page = await suite.app.inject('/docs');
      assert.equal(page.statusCode, 200);
      assert.match(page.headers['content-type'] as string, /text\/html/);
      const script = /src="(\/docs\/static\/[\w.-]+\.js)"/.exec(page.body)?.[1];
      assert.ok(script, page.body);
      const asset = await suite.app.inject(script);
      assert.equal(asset.statusCode, 200);
      assert.ok(asset.rawPayload.length > 1000);
      const yaml = await suite.app.inject('/docs/yaml');
      assert.equal(yaml.statusCode, 200);
      assert.match(yaml.body, /^openapi: 3\.0\.3$/m);
      assert.match(yaml.body, /\/v1\/events:/);
      assert.equal((await suite.app.inject('/docs/static/no-such-file.js')).statusCode, 404);
    });
  });
}

describe('ingest limits and tokens', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  const token = 'ingest-token-0123456789';
  before(async () => {
    db = await (testStores()[0]?.open() ?? Promise.reject(new Error('no store')));
    const config = testConfig({
      MEDIC_BODY_LIMIT: '4096',
      MEDIC_TOKENS: JSON.stringify([{ name: 'airflow', token, scopes: ['ingest'] }]),
    });
    ({ app } = await testApp(db, config));
  });
  after(async () => {
    await app.close();
    await db.close();
  });

  it('answers 401 without a token once tokens are configured', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/events', payload: { source: 'generic', event: genericEvent() } });
    assert.equal(res.statusCode, 401);
    assert.match(res.headers['www-authenticate'] as string, /Bearer/);
  });

  it('answers 403 when the token lacks the scope', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/runs', headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.statusCode, 403);
    assert.match(res.json().error.message, /read/);
  });

  it('accepts an event with a token that has the ingest scope', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${token}` }, payload: { source: 'generic', event: genericEvent() } });
    assert.equal(res.statusCode, 200, res.body);
  });

  it('refuses an oversized body with 413', async () => {
    const res = await app.inject({
      method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${token}` },
      payload: { source: 'generic', events: Array.from({ length: 200 }, (_, i) => genericEvent({ run: { id: `r${i}` } })) },
    });
    assert.equal(res.statusCode, 413);
  });
});

describe('a store outage', () => {
  it('answers 503 with retry-after, so an orchestrator retries instead of dropping the event', async () => {
    // A server that is not there: nothing listens on port 1.
    const db = await openDatabase({ databaseUrl: 'postgres://nobody@127.0.0.1:1/none', dataDir: 'unused' });
    const { app } = await testApp({ ...db, url: undefined });
    const res = await app.inject({ method: 'POST', url: '/v1/events', payload: { source: 'generic', event: genericEvent() } });
    assert.equal(res.statusCode, 503, res.body);
    assert.equal(res.headers['retry-after'], '5');
    assert.equal((await app.inject('/readyz')).statusCode, 503);
    await app.close();
    await db.close();
  });
});
