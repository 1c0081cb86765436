import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import type { Deps } from '../../src/deps.ts';
import { testConfig, testDeps } from '../support/deps.ts';
import { shippedPolicies } from '../support/heal.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

const failure = (message: string, extra: Record<string, unknown> = {}) => ({
  input: { kind: 'failure', source: 'airflow-prod', orchestrator: 'openlineage', job: 'airflow-prod/finance_close.load_dw', run: { key: 'scheduled__2026-11-24T01:00:00+00:00' }, attempt: 1, error: { message }, ...extra },
});

for (const store of testStores()) {
  describe(`the decision endpoint with the shipped policies (${store.name})`, () => {
    let db: TestDatabase;
    let app: FastifyInstance;
    let deps: Deps;
    before(async () => {
      db = await store.open();
      // What is decided, not how fast: a cold first decision on a busy machine must not become the safe default.
      deps = testDeps(db, { policies: await shippedPolicies(), config: testConfig({ MEDIC_DECIDE_TIMEOUT_MS: '10000', MEDIC_DECIDE_SHED_AFTER_MS: '10000' }) });
      app = await buildApp(deps);
    });
    after(async () => {
      await app.close();
      await deps.decisionLog.close();
      await db.close();
    });

    it('retries a refused connection after a minute and logs the decision with its input and policy revision', async () => {
      const res = await app.inject({ method: 'POST', url: '/v1/decide', payload: failure('psycopg2.OperationalError: could not connect to server: Connection refused\n\tIs the server running on host "10.2.0.7" and accepting TCP/IP connections on port 5432?') });
      assert.equal(res.statusCode, 200, res.body);
      const { decision_id, result } = res.json();
      assert.equal(result.action, 'retry', JSON.stringify(result.degraded));
      assert.equal(result.delay_s, 60);
      assert.equal(result.requires_approval, false);
      assert.equal(result.policy_id, 'network-transient-retry');
      assert.match(result.evidence.signature.template, /could not connect to server/);
      const logged = (await app.inject(`/v1/decisions/${decision_id}`)).json();
      assert.equal(logged.action, 'retry');
      assert.equal(logged.policy_revision, result.policy_revision);
      assert.equal(logged.input.error.message.slice(0, 25), 'psycopg2.OperationalError');
    });

    it('answers a malformed input with 400 and the path of the fault, and logs nothing', async () => {
      const before = (await app.inject('/v1/decisions')).json().decisions.length;
      const res = await app.inject({ method: 'POST', url: '/v1/decide', payload: { input: { kind: 'failure', job: 'load_dw', error: {} } } });
      assert.equal(res.statusCode, 400);
      const paths = res.json().error.details.map((d: { path: (string | number)[] }) => d.path.join('.'));
      assert.ok(paths.includes('body.input.job'), paths.join(', '));
      assert.ok(paths.includes('body.input.error.message'), paths.join(', '));
      assert.equal((await app.inject({ method: 'POST', url: '/v1/decide', payload: { input: { kind: 'rollback', job: 'a/b' } } })).statusCode, 400);
      assert.equal((await app.inject('/v1/decisions')).json().decisions.length, before);
    });

    it('answers under Open Policy Agent\'s data-API path too', async () => {
      const res = await app.inject({ method: 'POST', url: '/v1/data/medic/decision', payload: failure('HTTP 429 Too Many Requests: rate limit exceeded') });
      assert.equal(res.statusCode, 200);
      assert.match(res.json().decision_id, /^[0-9a-f-]{36}$/);
      assert.equal(res.json().result.policy_id, 'rate-limit-retry');
      assert.match(res.headers['server-timing'] as string, /gather;dur=[\d.]+, evaluate;dur=[\d.]+, log;dur=[\d.]+/);
    });

    it('gates a rerun after partial input behind an approval from the data on-call', async () => {
      const { result } = (await app.inject({ method: 'POST', url: '/v1/decide', payload: failure('AssertionError: reconcile found 1204 rows, expected 58112: partial input in dw.ledger') })).json();
      assert.equal(result.action, 'rerun');
      assert.equal(result.requires_approval, true);
      assert.deepEqual(result.approval, { kind: 'one_of', groups: ['data-oncall'], separation_of_duties: true });
    });

    it('holds downstream once one signature fails ten times in a quarter of an hour, instead of retrying each', async () => {
      const message = (k: number) => `java.net.SocketTimeoutException: Read timed out after 30000 ms talking to ledger-${k}.internal:8443`;
      const actions: string[] = [];
      for (let k = 0; k < 11; k++) {
        const res = await app.inject({ method: 'POST', url: '/v1/decide', payload: failure(message(k), { job: `airflow-prod/storm.task_${k}`, run: { key: `r${k}` } }) });
        actions.push(res.json().result.action);
      }
      assert.deepEqual(actions.slice(0, 9), Array(9).fill('retry'));
      assert.deepEqual(actions.slice(9), ['hold_downstream', 'hold_downstream']);
    });

    it('lists the loaded policies with their revision, and validates a candidate file with line numbers', async () => {
      const loaded = (await app.inject('/v1/policies')).json();
      assert.match(loaded.revision, /^[0-9a-f]{12}$/);
      assert.ok(loaded.policies.some((p: { id: string }) => p.id === 'unknown-failure-escalate'));
      const ok = await app.inject({ method: 'POST', url: '/v1/policies/validate', headers: { 'content-type': 'application/yaml' }, payload: 'policies:\n  - {id: a, description: d, action: {kind: notify}}\n' });
      assert.equal(ok.statusCode, 200, ok.body);
      const bad = await app.inject({ method: 'POST', url: '/v1/policies/validate', headers: { 'content-type': 'application/yaml' }, payload: 'policies:\n  - id: a\n    description: d\n    action: {kind: retry, delay_s: -5}\n' });
      assert.equal(bad.statusCode, 400);
      assert.deepEqual(bad.json().error.details[0].path, ['body.yaml', 'policies', 0, 'action', 'delay_s']);
      assert.match(bad.json().error.details[0].message, /^line 4/);
    });
  });
}
