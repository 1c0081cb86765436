/**
 * The Airflow executor: retry and rerun clear task instances (the scheduler then runs them
 * again), skip sets a task instance's state. Airflow 2 (`/api/v1`) with basic auth, Airflow 3
 * (`/api/v2`) with a JWT from `POST /auth/token`, refreshed once when a call gets a 401.
 */
import { authorizedCall, basicAuth, jsonLogin, tokenCredentials, type Credentials } from './auth.ts';
import { clearBody, clearPath, patchStateBody, taskIdsIn, taskInstancePath, type AirflowApi } from './airflow-requests.ts';
import type { AirflowConnection } from './config.ts';
import { done, refused, unsupported, type AirflowTarget, type ExecutionOutcome, type Executor } from './executor.ts';
import { jsonRequest, type HttpDeps } from './http.ts';

function credentialsOf(c: AirflowConnection, deps: HttpDeps): Credentials {
  if (c.auth.kind === 'basic') return basicAuth(c.auth.username, c.auth.password);
  const { username, password } = c.auth;
  return tokenCredentials(() => jsonLogin(`${c.url}/auth/token`, { username, password }, 'access_token', 'Airflow /auth/token', c, deps));
}

/** Builds the executor for one Airflow deployment; the token cache lives as long as it does. */
export function airflowExecutor(connection: AirflowConnection, deps: HttpDeps): Executor<AirflowTarget> {
  const credentials = credentialsOf(connection, deps);
  const api: AirflowApi = connection.api;

  const clear = async (t: AirflowTarget, mode: { onlyFailed: boolean; includeDownstream: boolean }, key: string): Promise<ExecutionOutcome> => {
    const req = jsonRequest('POST', connection.url + clearPath(api, t), clearBody(api, t, mode), { 'idempotency-key': key });
    const c = await authorizedCall(req, credentials, connection, deps, `Airflow clearTaskInstances ${t.dagId}/${t.dagRunId}`);
    if (c.kind === 'failed') return c.outcome;
    const cleared = taskIdsIn(c.response.json);
    const what = cleared.length > 0
      ? `cleared ${cleared.length} task instance(s) of ${t.dagId}/${t.dagRunId}: ${cleared.join(', ')}`
      // Nothing matched: already cleared (a redelivered execution) or no longer failed.
      : `cleared nothing in ${t.dagId}/${t.dagRunId}: no task instance matched (already cleared, or no longer failed)`;
    return done(what, c.response.json);
  };

  const mark = async (t: AirflowTarget, state: 'success' | 'skipped', key: string): Promise<ExecutionOutcome> => {
    const [taskId, ...more] = t.taskIds;
    if (taskId === undefined || more.length > 0) return refused(`Airflow marks one task instance at a time; the target names ${t.taskIds.length}`);
    const req = jsonRequest('PATCH', connection.url + taskInstancePath(api, t, taskId), patchStateBody(api, state), { 'idempotency-key': key });
    const c = await authorizedCall(req, credentials, connection, deps, `Airflow patch task instance ${t.dagId}/${t.dagRunId}/${taskId}`);
    if (c.kind === 'failed') return c.outcome;
    return done(`marked ${t.dagId}/${t.dagRunId}/${taskId}${t.mapIndex === undefined ? '' : `[${t.mapIndex}]`} ${state}`, c.response.json);
  };

  return async ({ action, target, idempotencyKey }) => {
    switch (action.kind) {
      // A retry re-runs what failed and nothing else, whatever the target says.
      case 'retry':
        return clear(target, { onlyFailed: true, includeDownstream: false }, idempotencyKey);
      case 'rerun':
        return clear(target, { onlyFailed: target.onlyFailed, includeDownstream: target.includeDownstream }, idempotencyKey);
      case 'skip':
        return mark(target, action.mark, idempotencyKey);
      case 'hold_downstream':
      case 'extend_deadline':
      case 'notify':
      case 'run_agent':
      case 'webhook':
      case 'go':
      case 'hold':
        return unsupported(action, 'Airflow');
      default: {
        const never: never = action;
        return never;
      }
    }
  };
}
