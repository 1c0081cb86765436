import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clearBody, patchStateBody, taskInstancePath } from '../../src/remediation/airflow-requests.ts';
import { refusedRetryPhase } from '../../src/remediation/argo.ts';
import { backoffDelay, retryAfterMs } from '../../src/remediation/backoff.ts';
import type { AirflowTarget } from '../../src/remediation/executor.ts';
import { checked, errorMessageOf } from '../../src/remediation/http-outcome.ts';
import { send, type HttpDeps, type HttpResponse } from '../../src/remediation/http.ts';

const limits = { timeoutMs: 1_000, maxAttempts: 3, maxTotalMs: 30_000 };

/** A fetch that answers from a script, and a clock that only moves when someone sleeps. */
function scripted(answers: (number | Error | [number, Record<string, string>])[]): HttpDeps & { waits: number[]; calls: number } {
  let clock = 0;
  const deps = {
    waits: [] as number[],
    calls: 0,
    now: () => clock,
    random: () => 0.5,
    sleep: (ms: number) => {
      deps.waits.push(ms);
      clock += ms;
      return Promise.resolve();
    },
    fetch: ((): Promise<Response> => {
      const next = answers[deps.calls] ?? 200;
      deps.calls += 1;
      if (next instanceof Error) return Promise.reject(next);
      const [status, headers] = Array.isArray(next) ? next : [next, {}];
      return Promise.resolve(new Response(JSON.stringify({ detail: `status ${status}` }), { status, headers }));
    }) as typeof fetch,
  };
  return deps;
}

const req = { method: 'POST' as const, url: 'http://orchestrator.test/x', headers: {} };
const response = (json: unknown, status = 400): HttpResponse => ({ status, headers: new Headers(), text: JSON.stringify(json), json });

describe('HTTP retries', () => {
  it('doubles the wait with equal jitter, up to a ceiling', () => {
    assert.deepEqual([1, 2, 3, 10].map((n) => backoffDelay(n, () => 0)), [125, 250, 500, 2_500]);
    assert.deepEqual([1, 2].map((n) => backoffDelay(n, () => 1)), [250, 500]);
  });

  it('reads Retry-After as seconds or as a date', () => {
    assert.equal(retryAfterMs('2', 0), 2_000);
    assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4_000), 6_000);
    assert.equal(retryAfterMs('soon', 0), undefined);
    assert.equal(retryAfterMs(null, 0), undefined);
  });

  it('retries a 503 and a dropped connection, then returns the answer', async () => {
    const deps = scripted([503, new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) }), 200]);
    const result = await send(req, limits, deps);
    assert.deepEqual(result.kind === 'response' && [result.response.status, result.tries], [200, 3]);
    assert.deepEqual(deps.waits, [188, 375]);
  });

  it('does not retry a 404, a 401 or a 409', async () => {
    for (const status of [404, 401, 409]) {
      const deps = scripted([status, 200]);
      const result = await send(req, limits, deps);
      assert.deepEqual(result.kind === 'response' && [result.response.status, deps.calls], [status, 1]);
    }
  });

  it('hands a Retry-After beyond the time budget to the queue instead of waiting', async () => {
    const deps = scripted([[429, { 'retry-after': '120' }], 200]);
    const result = await send(req, limits, deps);
    const c = checked(result, 'Airflow clear');
    assert.deepEqual(c.kind === 'failed' && [c.outcome.retryable, c.outcome.status, deps.calls], [true, 429, 1]);
  });

  it('reports an unreachable server as retryable, with the cause', async () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
    const deps = scripted([refused, refused, refused]);
    const c = checked(await send(req, limits, deps), 'Argo retry');
    assert.equal(c.kind, 'failed');
    assert.match(c.kind === 'failed' ? c.outcome.detail : '', /^Argo retry: could not connect: ECONNREFUSED .* \(after 3 tries\)$/);
  });
});

describe('orchestrator error messages', () => {
  it("reads each API's own error shape", () => {
    assert.equal(errorMessageOf(response({ detail: "DAG with dag_id: 'x' not found", status: 404, title: 'DAG not found', type: 'about:blank' })), "DAG with dag_id: 'x' not found");
    assert.equal(errorMessageOf(response({ detail: [{ loc: ['body', 'dry_run'], msg: 'Input should be a valid boolean' }] })), 'body.dry_run: Input should be a valid boolean');
    assert.equal(errorMessageOf(response({ code: 3, message: 'Cannot retry a workflow in phase Running' })), 'Cannot retry a workflow in phase Running');
    assert.equal(errorMessageOf(response({ errors: [{ message: 'Job id not found' }] })), 'Job id not found');
    assert.equal(errorMessageOf({ status: 502, headers: new Headers(), text: '', json: undefined }), 'HTTP 502');
  });

  it("recognises Argo's refusals to retry by phase", () => {
    assert.equal(refusedRetryPhase(400, 'Argo retry ml/x: HTTP 400 Cannot retry a workflow in phase Running'), 'Running');
    assert.equal(refusedRetryPhase(400, 'To retry a succeeded workflow, set the options restartSuccessful and nodeFieldSelector'), 'Succeeded');
    assert.equal(refusedRetryPhase(404, 'workflows.argoproj.io "x" not found'), undefined);
  });
});

describe('Airflow request bodies', () => {
  const target: AirflowTarget = { kind: 'airflow', dagId: 'fan.out', dagRunId: 'scheduled__2026-11-24T00:00:00+00:00', taskIds: ['shard'], mapIndex: 3, includeDownstream: false, onlyFailed: true };

  it('always sends dry_run false on a clear, since Airflow defaults it to true', () => {
    for (const api of ['v1', 'v2'] as const) assert.equal(clearBody(api, target, { onlyFailed: true, includeDownstream: false }).dry_run, false);
  });

  it('names a mapped task instance as a pair on v2 and by task id on v1', () => {
    assert.deepEqual(clearBody('v2', target, { onlyFailed: true, includeDownstream: false }).task_ids, [['shard', 3]]);
    assert.deepEqual(clearBody('v1', target, { onlyFailed: true, includeDownstream: false }).task_ids, ['shard']);
  });

  it('leaves task_ids out for a whole DAG run', () => {
    assert.equal('task_ids' in clearBody('v1', { ...target, taskIds: [] }, { onlyFailed: true, includeDownstream: false }), false);
  });

  it('encodes the run id in the task instance path and patches without dry_run on v2', () => {
    assert.equal(taskInstancePath('v2', target, 'shard'), '/api/v2/dags/fan.out/dagRuns/scheduled__2026-11-24T00%3A00%3A00%2B00%3A00/taskInstances/shard/3');
    assert.deepEqual([patchStateBody('v1', 'success'), patchStateBody('v2', 'success')], [{ dry_run: false, new_state: 'success' }, { new_state: 'success' }]);
  });
});
