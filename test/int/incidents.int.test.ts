import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../src/deps.ts';
import { buildHandlers } from '../../src/handlers.ts';
import { buildApp } from '../../src/http/app.ts';
import { ingest } from '../../src/ingest/ingest.ts';
import { testDeps } from '../support/deps.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

/** Generic events of one run attempt: started, then completed or failed with `error`. */
function attempt(job: string, key: string, n: number, startMin: number, endMin: number, error?: string): unknown[] {
  const at = (m: number) => new Date(Date.UTC(2026, 10, 2, 1, 0) + m * 60_000).toISOString();
  const base = { job: { namespace: 'etl', name: job }, run: { id: `${job}-${key}-${n}`, key, attempt: n } };
  return [
    { ...base, type: 'started', time: at(startMin), startedAt: at(startMin) },
    { ...base, type: error ? 'failed' : 'completed', time: at(endMin), endedAt: at(endMin), ...(error ? { error: { message: error } } : {}) },
  ];
}

for (const store of testStores()) {
  describe(`incidents from failures (${store.name})`, () => {
    let db: TestDatabase;
    let deps: Deps;
    let app: FastifyInstance;
    const post = async (events: unknown[]) => {
      await ingest(deps, { orchestrator: 'generic', timeZone: 'UTC', items: events, receivedAt: new Date() });
      await deps.queue.drain(20_000);
    };
    before(async () => {
      db = await store.open();
      deps = testDeps(db);
      deps.queue.startWorkers(buildHandlers(deps), { concurrency: 2 });
      app = await buildApp(deps);
    });
    after(async () => {
      await app.close();
      await deps.queue.close();
      await db.close();
    });

    it('puts two runs failing with the same message modulo variables into one incident', async () => {
      await post([
        ...attempt('load_dw', 'd1', 1, 0, 3, 'Connection to warehouse 10.0.4.17:5432 refused after 3 retries (session 8812)'),
        ...attempt('load_dw', 'd2', 1, 60, 62, 'Connection to warehouse 10.0.9.2:5432 refused after 5 retries (session 9120)'),
      ]);
      const res = await app.inject('/v1/incidents?status=open');
      const incidents = res.json().incidents as { occurrences: number; signature: { template: string } }[];
      assert.equal(incidents.length, 1, JSON.stringify(incidents));
      assert.equal(incidents[0]?.occurrences, 2);
      assert.match(incidents[0]?.signature.template ?? '', /Connection to warehouse <\*>/);
    });

    it('resolves the incident when the job completes again, recording a retry and its time to recover', async () => {
      await post(attempt('load_dw', 'd2', 2, 70, 80));
      const list = (await app.inject('/v1/incidents')).json().incidents as { id: number; status: string; resolution: { action: string; time_to_recover_ms: number } | null }[];
      const resolved = list.find((i) => i.status === 'resolved');
      assert.ok(resolved, JSON.stringify(list));
      assert.equal(resolved.resolution?.action, 'retry');
      assert.ok((resolved.resolution?.time_to_recover_ms ?? 0) > 0);
    });

    it('offers the fix of a resolved incident on the next similar failure, with its success count', async () => {
      await post(attempt('load_dw', 'd3', 1, 1440, 1442, 'Connection to warehouse 10.0.7.7:5432 refused after 2 retries (session 1201)'));
      const open = (await app.inject('/v1/incidents?status=open')).json().incidents as { id: number }[];
      assert.equal(open.length, 1);
      const detail = (await app.inject(`/v1/incidents/${open[0]?.id}`)).json();
      const retry = detail.evidence.fixes.find((f: { action: string }) => f.action === 'retry');
      assert.ok(retry, JSON.stringify(detail.evidence));
      assert.equal(retry.successes, 1);
      assert.match(retry.summary, /retry fixed it 1 of 1 times/);
      assert.ok(detail.evidence.similar_incidents.length >= 1);
      assert.ok(detail.evidence.similar_incidents[0].similarity > 0.9);
    });

    it('makes one storm incident of one failure striking many jobs at once', async () => {
      const msg = (n: number) => `S3 bucket s3://lake-raw/${n}/part-0001.parquet: 503 Slow Down`;
      await post(['ingest_a', 'ingest_b', 'ingest_c', 'ingest_d'].flatMap((job, i) => attempt(job, 'd9', 1, 3000 + i, 3001 + i, msg(i))));
      const open = (await app.inject('/v1/incidents?status=open')).json().incidents as { kind: string; jobs_affected: number; signature: { template: string } }[];
      const storm = open.filter((i) => i.signature.template.includes('Slow Down'));
      assert.equal(storm.length, 1, JSON.stringify(open));
      assert.equal(storm[0]?.kind, 'storm');
      assert.equal(storm[0]?.jobs_affected, 4);
    });

    it('analyses a redelivered failure only once', async () => {
      const before = (await db.pool.query('select count(*)::int as n from incident_runs')).rows[0].n as number;
      const run = (await db.pool.query(`select id from runs where state = 'failed' order by id limit 1`)).rows[0].id as number;
      await deps.queue.enqueue('analyse-failure', { runId: run }, { jobId: 'again-1' });
      await deps.queue.enqueue('analyse-failure', { runId: run }, { jobId: 'again-2' });
      await deps.queue.drain(20_000);
      assert.equal((await db.pool.query('select count(*)::int as n from incident_runs')).rows[0].n, before);
    });

    it('matches a text to known signatures and their fixes without learning it', async () => {
      const signaturesBefore = (await db.pool.query('select count(*)::int as n from signatures')).rows[0].n as number;
      const res = await app.inject({ method: 'POST', url: '/v1/signatures/match', payload: { text: 'Connection to warehouse 10.1.1.1:5432 refused after 9 retries (session 1)' } });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.ok(body.matches[0].similarity > 0.9);
      assert.match(body.matches[0].template, /Connection to warehouse/);
      assert.equal((await db.pool.query('select count(*)::int as n from signatures')).rows[0].n, signaturesBefore);
    });

    it('lets a person resolve an incident with what they did, once', async () => {
      const open = (await app.inject('/v1/incidents?status=open')).json().incidents as { id: number }[];
      const id = open[0]?.id;
      const res = await app.inject({ method: 'POST', url: `/v1/incidents/${id}/resolve`, payload: { action: 'rerun', detail: 'after the bucket quota was raised', actor: 'ana' } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().resolution.actor, 'ana');
      const again = await app.inject({ method: 'POST', url: `/v1/incidents/${id}/resolve`, payload: { action: 'rerun' } });
      assert.equal(again.statusCode, 409);
    });
  });
}
