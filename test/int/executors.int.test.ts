import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createFakeAirflow, type FakeAirflow } from '../../src/fakes/airflow.ts';
import { createFakeArgo, type FakeArgo } from '../../src/fakes/argo.ts';
import { createFakeControlm } from '../../src/fakes/controlm.ts';
import { createWebhookSink } from '../../src/fakes/webhook-sink.ts';
import type { FakeServer } from '../../src/fakes/server.ts';
import { Action } from '../../src/policies/action.ts';
import { airflowExecutor } from '../../src/remediation/airflow.ts';
import { argoExecutor } from '../../src/remediation/argo.ts';
import { AirflowConnection, ArgoConnection, ControlmConnection, WebhookConnection } from '../../src/remediation/config.ts';
import { controlmExecutor } from '../../src/remediation/controlm.ts';
import type { AirflowTarget, ArgoTarget } from '../../src/remediation/executor.ts';
import { createExecutors } from '../../src/remediation/executors.ts';
import { defaultHttpDeps, type HttpDeps } from '../../src/remediation/http.ts';
import { verifyWebhookSignature } from '../../src/remediation/webhook-signature.ts';
import { webhookExecutor } from '../../src/remediation/webhook.ts';

const RUN = 'scheduled__2024-01-01T00:00:00+00:00';
const retry = Action.parse({ kind: 'retry' });
const rerun = Action.parse({ kind: 'rerun' });
const key = 'exec-42';

const open: FakeServer[] = [];
after(async () => Promise.all(open.splice(0).map((s) => s.close())));
function track<T extends FakeServer>(s: T): T {
  open.push(s);
  return s;
}

/** Real fetch and sleep; deterministic jitter; every wait recorded. */
function httpDeps(): HttpDeps & { waits: number[] } {
  const waits: number[] = [];
  const base = defaultHttpDeps();
  return { ...base, random: () => 0, sleep: (ms) => (waits.push(ms), base.sleep(ms)), waits };
}

async function airflow(api: 'v1' | 'v2'): Promise<FakeAirflow> {
  const fake = track(await createFakeAirflow({ api }));
  fake.state.addDag('finance_close', { extract: ['load_dw'], load_dw: ['publish'], publish: [] });
  fake.state.addTaskInstance({ dag_id: 'finance_close', dag_run_id: RUN, task_id: 'extract', state: 'success' });
  fake.state.addTaskInstance({ dag_id: 'finance_close', dag_run_id: RUN, task_id: 'load_dw', state: 'failed' });
  fake.state.addTaskInstance({ dag_id: 'finance_close', dag_run_id: RUN, task_id: 'publish', state: 'upstream_failed' });
  return fake;
}

const airflowConnection = (fake: FakeAirflow, api: 'v1' | 'v2', extra: object = {}) => AirflowConnection.parse({
  source: 'airflow-prod', kind: 'airflow', url: fake.url, api,
  auth: api === 'v2' ? { kind: 'password', username: 'admin', password: 'admin' } : { kind: 'basic', username: 'admin', password: 'admin' },
  ...extra,
});

const loadDw = (extra: Partial<AirflowTarget> = {}): AirflowTarget => ({
  kind: 'airflow', dagId: 'finance_close', dagRunId: RUN, taskIds: ['load_dw'], includeDownstream: false, onlyFailed: true, ...extra,
});

describe('Airflow executor against the fake Airflow', () => {
  it('clears the failed task of an Airflow 2 run with basic auth and dry_run false', async () => {
    const fake = await airflow('v1');
    const outcome = await airflowExecutor(airflowConnection(fake, 'v1'), httpDeps())({ action: retry, target: loadDw(), idempotencyKey: key });
    assert.equal(outcome.kind, 'done', JSON.stringify(outcome));
    const call = fake.calls[0];
    assert.equal(call?.path, '/api/v1/dags/finance_close/clearTaskInstances');
    assert.match(call?.headers.authorization ?? '', /^Basic /);
    assert.equal(call?.headers['idempotency-key'], key);
    assert.deepEqual(call?.body, {
      dry_run: false, dag_run_id: RUN, task_ids: ['load_dw'], only_failed: true, include_downstream: false,
      include_upstream: false, include_future: false, include_past: false, reset_dag_runs: true,
    });
    assert.equal(fake.state.taskInstance('finance_close', RUN, 'load_dw')?.state, null);
    assert.equal(fake.state.taskInstance('finance_close', RUN, 'publish')?.state, 'upstream_failed');
  });

  it('clears nothing when dry_run is left out, as Airflow does, so the body the executor sends matters', async () => {
    const fake = await airflow('v1');
    const res = await fetch(`${fake.url}/api/v1/dags/finance_close/clearTaskInstances`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
      body: JSON.stringify({ dag_run_id: RUN, task_ids: ['load_dw'] }),
    });
    assert.equal(res.status, 200);
    const listed = (await res.json()) as { task_instances: { task_id: string }[] };
    assert.deepEqual(listed.task_instances.map((t) => t.task_id), ['load_dw']);
    assert.equal(fake.state.taskInstance('finance_close', RUN, 'load_dw')?.state, 'failed');
  });

  it('reruns from a task with its downstream tasks, succeeded or not', async () => {
    const fake = await airflow('v2');
    const target = loadDw({ taskIds: ['extract'], includeDownstream: true, onlyFailed: false });
    const outcome = await airflowExecutor(airflowConnection(fake, 'v2'), httpDeps())({ action: rerun, target, idempotencyKey: key });
    assert.equal(outcome.kind, 'done');
    assert.match(outcome.kind === 'done' ? outcome.detail : '', /cleared 3 task instance/);
    const body = fake.calls.find((c) => c.path.endsWith('/clearTaskInstances'))?.body as Record<string, unknown>;
    assert.equal(body.include_downstream, true);
    assert.equal(body.only_failed, false);
    assert.deepEqual(['extract', 'load_dw', 'publish'].map((t) => fake.state.taskInstance('finance_close', RUN, t)?.state), [null, null, null]);
  });

  it('logs in to Airflow 3 once at /auth/token and reuses the token', async () => {
    const fake = await airflow('v2');
    const execute = airflowExecutor(airflowConnection(fake, 'v2'), httpDeps());
    await execute({ action: retry, target: loadDw(), idempotencyKey: key });
    const second = await execute({ action: retry, target: loadDw(), idempotencyKey: 'exec-43' });
    assert.equal(second.kind, 'done');
    assert.equal(fake.tokensIssued, 1);
    assert.deepEqual(fake.calls.map((c) => c.path), ['/auth/token', '/api/v2/dags/finance_close/clearTaskInstances', '/api/v2/dags/finance_close/clearTaskInstances']);
    assert.match(fake.calls[1]?.headers.authorization ?? '', /^Bearer /);
  });

  it('fetches a new Airflow 3 token once when the old one gets a 401', async () => {
    const fake = await airflow('v2');
    const execute = airflowExecutor(airflowConnection(fake, 'v2'), httpDeps());
    await execute({ action: retry, target: loadDw(), idempotencyKey: key });
    fake.expireTokens();
    fake.state.addTaskInstance({ dag_id: 'finance_close', dag_run_id: 'manual__2', task_id: 'load_dw', state: 'failed' });
    const outcome = await execute({ action: retry, target: loadDw({ dagRunId: 'manual__2' }), idempotencyKey: 'exec-43' });
    assert.equal(outcome.kind, 'done', JSON.stringify(outcome));
    assert.equal(fake.tokensIssued, 2);
    assert.equal(fake.state.taskInstance('finance_close', 'manual__2', 'load_dw')?.state, null);
  });

  it('refuses wrong Airflow 3 credentials without retrying', async () => {
    const fake = await airflow('v2');
    const connection = AirflowConnection.parse({ ...airflowConnection(fake, 'v2'), auth: { kind: 'password', username: 'admin', password: 'wrong' } });
    const outcome = await airflowExecutor(connection, httpDeps())({ action: retry, target: loadDw(), idempotencyKey: key });
    assert.deepEqual(outcome.kind === 'failed' && [outcome.retryable, outcome.status], [false, 401]);
    assert.equal(fake.calls.length, 1);
  });

  it('lets a demo play the scheduler and worker after a clear, and serves the task instance as Airflow 3 does', async () => {
    const fake = await airflow('v2');
    await airflowExecutor(airflowConnection(fake, 'v2'), httpDeps())({ action: retry, target: loadDw(), idempotencyKey: key });
    fake.state.tick();
    assert.equal(fake.state.taskInstance('finance_close', RUN, 'load_dw')?.state, 'queued');
    fake.state.tick();
    fake.state.complete('finance_close', RUN, 'load_dw');
    const login = await fetch(`${fake.url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'admin' }) });
    const { access_token } = (await login.json()) as { access_token: string };
    const res = await fetch(`${fake.url}/api/v2/dags/finance_close/dagRuns/${encodeURIComponent(RUN)}/taskInstances/load_dw`, { headers: { authorization: `Bearer ${access_token}` } });
    const ti = (await res.json()) as Record<string, unknown>;
    assert.deepEqual([res.status, ti.state, ti.try_number, ti.map_index, typeof ti.id], [200, 'success', 2, -1, 'string']);
  });

  it('marks a task instance skipped through PATCH, with dry_run false on v1 and without it on v2', async () => {
    for (const api of ['v1', 'v2'] as const) {
      const fake = await airflow(api);
      const outcome = await airflowExecutor(airflowConnection(fake, api), httpDeps())({ action: Action.parse({ kind: 'skip' }), target: loadDw(), idempotencyKey: key });
      assert.equal(outcome.kind, 'done', JSON.stringify(outcome));
      const patch = fake.calls.find((c) => c.method === 'PATCH');
      assert.equal(patch?.path, `/api/${api}/dags/finance_close/dagRuns/${encodeURIComponent(RUN)}/taskInstances/load_dw`);
      assert.deepEqual(patch?.body, api === 'v1' ? { dry_run: false, new_state: 'skipped' } : { new_state: 'skipped' });
      assert.equal(fake.state.taskInstance('finance_close', RUN, 'load_dw')?.state, 'skipped');
    }
  });
});

describe('HTTP behaviour of the executors', () => {
  it('retries a 500 and succeeds', async () => {
    const fake = await airflow('v1');
    fake.failNext([500]);
    const deps = httpDeps();
    const outcome = await airflowExecutor(airflowConnection(fake, 'v1'), deps)({ action: retry, target: loadDw(), idempotencyKey: key });
    assert.equal(outcome.kind, 'done');
    assert.equal(fake.calls.length, 2);
    assert.deepEqual(deps.waits, [125]);
  });

  it('waits as long as Retry-After asks on a 429', async () => {
    const fake = await airflow('v1');
    fake.failNext([{ status: 429, retryAfter: 1 }]);
    const deps = httpDeps();
    const outcome = await airflowExecutor(airflowConnection(fake, 'v1'), deps)({ action: retry, target: loadDw(), idempotencyKey: key });
    assert.equal(outcome.kind, 'done');
    assert.deepEqual(deps.waits, [1000]);
  });

  it('reports 503s as retryable once its three tries are spent', async () => {
    const fake = await airflow('v1');
    fake.failNext([503, 503, 503]);
    const outcome = await airflowExecutor(airflowConnection(fake, 'v1'), httpDeps())({ action: retry, target: loadDw(), idempotencyKey: key });
    assert.deepEqual(outcome.kind === 'failed' && [outcome.retryable, outcome.status], [true, 503]);
    assert.equal(fake.calls.length, 3);
  });

  it("fails a 404 at once with Airflow's own message", async () => {
    const fake = await airflow('v1');
    const outcome = await airflowExecutor(airflowConnection(fake, 'v1'), httpDeps())({ action: retry, target: loadDw({ dagId: 'no_such_dag' }), idempotencyKey: key });
    assert.equal(outcome.kind, 'failed');
    assert.deepEqual(outcome.kind === 'failed' && [outcome.retryable, outcome.status], [false, 404]);
    assert.match(outcome.kind === 'failed' ? outcome.detail : '', /DAG with dag_id: 'no_such_dag' was not found/);
    assert.equal(fake.calls.length, 1);
  });

  it('fails a 403 at once without retrying', async () => {
    const fake = await airflow('v1');
    fake.failNext([{ status: 403, body: { detail: 'Forbidden', status: 403, title: 'Forbidden', type: 'about:blank' } }]);
    const outcome = await airflowExecutor(airflowConnection(fake, 'v1'), httpDeps())({ action: retry, target: loadDw(), idempotencyKey: key });
    assert.deepEqual(outcome.kind === 'failed' && [outcome.retryable, outcome.status], [false, 403]);
    assert.equal(fake.calls.length, 1);
  });

  it('gives up on a hung server as a retryable timeout', async () => {
    const fake = await airflow('v1');
    fake.failNext([{ hang: true }, { hang: true }]);
    const connection = airflowConnection(fake, 'v1', { timeoutMs: 300, maxAttempts: 2 });
    const started = Date.now();
    const outcome = await airflowExecutor(connection, httpDeps())({ action: retry, target: loadDw(), idempotencyKey: key });
    assert.equal(outcome.kind, 'failed');
    assert.equal(outcome.kind === 'failed' && outcome.retryable, true);
    assert.match(outcome.kind === 'failed' ? outcome.detail : '', /no answer within 300 ms \(after 2 tries\)/);
    assert.equal(fake.calls.length, 2);
    assert.ok(Date.now() - started < 2_000);
  });

  it('refuses an unsupported action without any HTTP call', async () => {
    const fake = track(await createFakeArgo({ token: 'sa-token' }));
    const connection = ArgoConnection.parse({ source: 'argo-ml', kind: 'argo', url: fake.url, token: 'sa-token' });
    const target: ArgoTarget = { kind: 'argo', namespace: 'ml', name: 'train-x1' };
    const outcome = await argoExecutor(connection, httpDeps())({ action: Action.parse({ kind: 'skip' }), target, idempotencyKey: key });
    assert.deepEqual(outcome, { kind: 'failed', retryable: false, detail: 'the Argo executor cannot skip' });
    assert.equal(fake.calls.length, 0);
  });
});

describe('Argo executor against the fake Argo Server', () => {
  async function argo(phase: string): Promise<{ fake: FakeArgo; run: (action: Action) => ReturnType<ReturnType<typeof argoExecutor>> }> {
    const fake = track(await createFakeArgo({ token: 'sa-token' }));
    fake.addWorkflow({ namespace: 'ml', name: 'train-x1', phase, generateName: 'train-', nodes: [
      { id: 'train-x1-1', name: 'train-x1.fit', displayName: 'fit', type: 'Pod', phase: phase === 'Running' ? 'Running' : 'Failed' },
    ] });
    const connection = ArgoConnection.parse({ source: 'argo-ml', kind: 'argo', url: fake.url, token: 'sa-token' });
    const target: ArgoTarget = { kind: 'argo', namespace: 'ml', name: 'train-x1', nodeFieldSelector: 'id=train-x1-1' };
    return { fake, run: (action) => argoExecutor(connection, httpDeps())({ action, target, idempotencyKey: key }) };
  }

  it('retries a failed workflow in place with the bearer token', async () => {
    const { fake, run } = await argo('Failed');
    const outcome = await run(retry);
    assert.equal(outcome.kind, 'done', JSON.stringify(outcome));
    assert.equal(fake.calls[0]?.path, '/api/v1/workflows/ml/train-x1/retry');
    assert.equal(fake.calls[0]?.headers.authorization, 'Bearer sa-token');
    assert.deepEqual(fake.calls[0]?.body, { name: 'train-x1', namespace: 'ml', restartSuccessful: false, nodeFieldSelector: 'id=train-x1-1', parameters: [] });
    assert.equal(fake.workflow('ml', 'train-x1')?.status.phase, 'Running');
  });

  it('resubmits when Argo refuses to retry a workflow that has ended without failing', async () => {
    const { fake, run } = await argo('Succeeded');
    const outcome = await run(retry);
    assert.equal(outcome.kind, 'done', JSON.stringify(outcome));
    assert.deepEqual(fake.calls.map((c) => c.path), ['/api/v1/workflows/ml/train-x1/retry', '/api/v1/workflows/ml/train-x1/resubmit']);
    assert.match(outcome.kind === 'done' ? outcome.detail : '', /refused to retry in phase Succeeded; resubmitted ml\/train-x1 as ml\/train-/);
    assert.equal(fake.state.workflows.size, 2);
  });

  it('does not resubmit a workflow that is still running, which would run it twice', async () => {
    const { fake, run } = await argo('Running');
    const outcome = await run(retry);
    assert.deepEqual(outcome.kind === 'failed' && [outcome.retryable, outcome.status], [false, 400]);
    assert.equal(fake.calls.length, 1);
    assert.equal(fake.state.workflows.size, 1);
  });

  it('reruns as a resubmit, not memoized', async () => {
    const { fake, run } = await argo('Failed');
    const outcome = await run(rerun);
    assert.equal(outcome.kind, 'done');
    assert.deepEqual(fake.calls[0]?.body, { name: 'train-x1', namespace: 'ml', memoized: false, parameters: [] });
  });
});

describe('Control-M executor against the fake Automation API', () => {
  it('reruns a job with a session token, logging in once and again after a 401', async () => {
    const fake = track(await createFakeControlm({ username: 'emuser', password: 'empass' }));
    fake.addJob({ jobId: 'workbench:0001i', name: 'load_dw' });
    const connection = ControlmConnection.parse({ source: 'ctm-prod', kind: 'controlm', url: fake.url, auth: { kind: 'session', username: 'emuser', password: 'empass' } });
    const execute = controlmExecutor(connection, httpDeps());
    const first = await execute({ action: retry, target: { kind: 'controlm', jobId: 'workbench:0001i' }, idempotencyKey: key });
    assert.equal(first.kind, 'done', JSON.stringify(first));
    assert.deepEqual(fake.calls.map((c) => c.path), ['/automation-api/session/login', '/automation-api/run/job/workbench%3A0001i/rerun']);
    fake.expireSessions();
    const second = await execute({ action: rerun, target: { kind: 'controlm', jobId: 'workbench:0001i' }, idempotencyKey: 'exec-43' });
    assert.equal(second.kind, 'done');
    assert.equal(fake.logins, 2);
    assert.equal(fake.state.jobs.get('workbench:0001i')?.numberOfRuns, 3);
  });

  it('reruns, sets OK and holds with an API key', async () => {
    const fake = track(await createFakeControlm({ apiKey: 'ctm-api-key' }));
    fake.addJob({ jobId: 'workbench:0001i', name: 'load_dw' });
    const connection = ControlmConnection.parse({ source: 'ctm-prod', kind: 'controlm', url: fake.url, auth: { kind: 'api-key', key: 'ctm-api-key' } });
    const execute = controlmExecutor(connection, httpDeps());
    const target = { kind: 'controlm' as const, jobId: 'workbench:0001i' };
    for (const action of [retry, Action.parse({ kind: 'skip', mark: 'success' }), Action.parse({ kind: 'hold_downstream' })]) {
      const outcome = await execute({ action, target, idempotencyKey: key });
      assert.equal(outcome.kind, 'done', JSON.stringify(outcome));
    }
    assert.deepEqual(fake.calls.map((c) => c.path.split('/').at(-1)), ['rerun', 'setToOk', 'hold']);
    assert.ok(fake.calls.every((c) => c.headers['x-api-key'] === 'ctm-api-key'));
    assert.deepEqual([fake.state.jobs.get('workbench:0001i')?.status, fake.state.jobs.get('workbench:0001i')?.held], ['Ended OK', true]);
  });

  it('fails an unknown job at once with Control-M’s message', async () => {
    const fake = track(await createFakeControlm({ apiKey: 'ctm-api-key' }));
    const connection = ControlmConnection.parse({ source: 'ctm-prod', kind: 'controlm', url: fake.url, auth: { kind: 'api-key', key: 'ctm-api-key' } });
    const outcome = await controlmExecutor(connection, httpDeps())({ action: retry, target: { kind: 'controlm', jobId: 'workbench:0404' }, idempotencyKey: key });
    assert.deepEqual(outcome.kind === 'failed' && [outcome.retryable, outcome.status], [false, 404]);
    assert.match(outcome.kind === 'failed' ? outcome.detail : '', /Job id not found/);
  });
});

describe('webhook executor against the fake sink', () => {
  const secret = 'a-webhook-secret-of-some-length';

  it('posts a signed action that the receiver verifies', async () => {
    const sink = track(await createWebhookSink({ secret }));
    const connection = WebhookConnection.parse({ source: '*', kind: 'webhook', url: sink.url, secret });
    const action = Action.parse({ kind: 'webhook', url: `${sink.url}/hooks/medic`, payload: { ticket: 'OPS-1' } });
    const outcome = await webhookExecutor(connection, httpDeps())({ action, target: { kind: 'webhook', url: `${sink.url}/hooks/medic` }, idempotencyKey: key });
    assert.equal(outcome.kind, 'done', JSON.stringify(outcome));
    const call = sink.calls[0];
    assert.equal(call?.path, '/hooks/medic');
    assert.equal(call?.headers['x-medic-idempotency-key'], key);
    assert.match(call?.headers['x-medic-signature'] ?? '', /^v1=[0-9a-f]{64}$/);
    assert.deepEqual(sink.accepted().map((d) => (d.body as { ticket: string; id: string })), [{ ...(call?.body as object), ticket: 'OPS-1', id: key }]);
    const given = { secret, timestamp: call?.headers['x-medic-timestamp'], signature: call?.headers['x-medic-signature'], body: call?.rawBody ?? '' };
    assert.deepEqual(verifyWebhookSignature(given), { kind: 'valid' });
    assert.equal(verifyWebhookSignature({ ...given, body: given.body.replace('OPS-1', 'OPS-2') }).kind, 'invalid');
  });

  it('is refused by a receiver with another secret, without retrying', async () => {
    const sink = track(await createWebhookSink({ secret: 'the-receivers-own-secret' }));
    const connection = WebhookConnection.parse({ source: '*', kind: 'webhook', url: sink.url, secret });
    const outcome = await webhookExecutor(connection, httpDeps())({ action: retry, target: { kind: 'webhook' }, idempotencyKey: key });
    assert.deepEqual(outcome.kind === 'failed' && [outcome.retryable, outcome.status], [false, 401]);
    assert.equal(sink.state.deliveries[0]?.reason, 'signature does not match');
  });
});

describe('executors chosen by source', () => {
  it('forwards a run of a source with no executor of its own to the catch-all webhook', async () => {
    const secret = 'a-webhook-secret-of-some-length';
    const sink = track(await createWebhookSink({ secret }));
    const execute = createExecutors([WebhookConnection.parse({ source: '*', kind: 'webhook', url: sink.url, secret })], httpDeps());
    const outcome = await execute({ source: 'ctm-dr', action: retry, target: { kind: 'controlm', jobId: 'dr:0001' }, idempotencyKey: key });
    assert.equal(outcome.kind, 'done');
    assert.deepEqual((sink.accepted()[0]?.body as { target: unknown }).target, { kind: 'controlm', jobId: 'dr:0001' });
  });

  it('refuses a run whose orchestrator differs from its source’s connection', async () => {
    const execute = createExecutors([ArgoConnection.parse({ source: 'argo-ml', kind: 'argo', url: 'http://127.0.0.1:9', token: 't' })], httpDeps());
    const outcome = await execute({ source: 'argo-ml', action: retry, target: loadDw(), idempotencyKey: key });
    assert.deepEqual(outcome, { kind: 'failed', retryable: false, detail: 'source "argo-ml" is connected to argo, not airflow' });
  });
});
