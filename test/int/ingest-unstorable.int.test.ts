import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appForSuite } from '../support/app.ts';
import { testStores } from '../support/stores.ts';

// A NUL inside a log line, and a lone surrogate (what invalid UTF-8 or a stray `\ud800` escape decodes to).
const DIRTY = 'java.io.IOException: unexpected byte \u0000 in stream \ud800 at offset 42';

for (const store of testStores()) {
  describe(`bytes PostgreSQL cannot store (${store.name})`, () => {
    const suite = appForSuite(store);
    const post = (payload: Record<string, unknown>) => suite.app.inject({ method: 'POST', url: '/v1/events', payload });

    it('stores a failure whose log holds them, with each replaced, says so, and stores it once', async () => {
      const generic = {
        job: { namespace: 'etl', name: 'load_\u0000bytes' }, run: { id: 'r-nul', key: 'k-nul', attempt: 1 }, type: 'failed',
        time: '2026-11-02T10:00:00Z', error: { message: DIRTY, detail: 'at Reader.read(\u0000)' }, facets: { host: 'w\u00001' },
      };
      const clean = { job: { namespace: 'etl', name: 'load_clean' }, run: { id: 'r-ok', key: 'k-ok', attempt: 1 }, type: 'completed', time: '2026-11-02T10:00:00Z' };
      const res = await post({ source: 'generic', events: [generic, clean] });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual((res.json() as { items: { status: string }[] }).items.map((i) => i.status), ['accepted', 'accepted']);
      const row = (await suite.db.pool.query<{ name: string; error_message: string; facets: Record<string, unknown> }>(
        `select j.name, a.error_message, r.facets from run_attempts a join runs r on r.id = a.run_id join jobs j on j.id = r.job_id where r.run_key = 'k-nul'`)).rows[0];
      assert.equal(row?.name, 'load_\uFFFDbytes');
      assert.equal(row?.error_message, 'java.io.IOException: unexpected byte \uFFFD in stream \uFFFD at offset 42');
      assert.equal(row?.facets.unstorable_characters_replaced, 5);
      const again = await post({ source: 'generic', events: [generic] });
      assert.equal((again.json() as { items: { status: string }[] }).items[0]?.status, 'duplicate');
    });

    it("stores an OpenLineage failure whose errorMessage holds a NUL, and its analysis keeps the message", async () => {
      const event = {
        eventType: 'FAIL', eventTime: '2026-11-02T11:00:00Z', producer: 'https://example.com/producer', schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
        run: { runId: '01930000-0000-7000-8000-000000000001', facets: { errorMessage: { message: `Task failed: ${DIRTY}`, programmingLanguage: 'java', stackTrace: 'trace\u0000' } } },
        job: { namespace: 'spark', name: 'nightly_ingest' },
      };
      const res = await suite.app.inject({ method: 'POST', url: '/api/v1/lineage', payload: event });
      assert.equal(res.statusCode, 200, res.body);
      const n = await suite.db.pool.query<{ n: number }>("select count(*)::int as n from run_attempts a join runs r on r.id = a.run_id join jobs j on j.id = r.job_id where j.name = 'nightly_ingest' and a.error_message like 'Task failed:%'");
      assert.equal(n.rows[0]?.n, 1);
    });

    it('decides about a failure whose message holds them, and logs the decision', async () => {
      const res = await suite.app.inject({ method: 'POST', url: '/v1/decide', payload: { input: { kind: 'failure', source: 'etl', job: 'etl/load_bytes', run: { key: 'k-dec' }, attempt: 1, error: { message: DIRTY } } } });
      assert.equal(res.statusCode, 200, res.body);
      const answer = res.json() as { decision_id: string; result: { degraded: unknown } };
      assert.equal(answer.result.degraded, null, res.body);
      const logged = await suite.app.inject({ url: `/v1/decisions/${answer.decision_id}` });
      assert.equal(logged.statusCode, 200, logged.body);
    });

    it('answers 400 naming the field for a query or path value that holds a NUL, never 500', async () => {
      for (const url of ['/v1/runs?job=%00', '/v1/runs?namespace=a%00b', '/v1/incidents/%00']) {
        const res = await suite.app.inject({ url });
        assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
        const body = res.json() as { error: { details: { path: string[] }[] } };
        assert.ok(body.error.details[0]?.path.length === 2, `${url} names the field: ${res.body}`);
      }
    });
  });
}
