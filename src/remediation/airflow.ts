/**
 * The Airflow executor: retry and rerun clear task instances (the scheduler then runs them
 * again), skip sets a task instance's state. Airflow 2 (`/api/v1`) with basic auth, Airflow 3
 * (`/api/v2`) with a JWT from `POST /auth/token`, refreshed once when a call gets a 401.
 */
import type { Action } from '../policies/action.ts';
import { authorizedCall } from './auth.ts';
import { airflowCredentials } from './credentials.ts';
import { clearBody, clearPath, patchStateBody, taskIdsIn, taskInstancePath, type AirflowApi } from './airflow-requests.ts';
import { compareAirflow, observeAirflow } from './airflow-observe.ts';
import type { AirflowConnection } from './config.ts';
import { done, planAction, refused, unsupported, type AirflowTarget, type ExecutionOutcome, type Executor } from './executor.ts';
import { jsonRequest, type HttpDeps, type HttpRequest } from './http.ts';
import { dryRunOf, refusedDryRun, type RemedyParts } from './remedy.ts';

/** The one call an action amounts to, or why there is none. */
type Planned =
  | { kind: 'clear'; req: HttpRequest; what: string; t: AirflowTarget }
  | { kind: 'mark'; req: HttpRequest; what: string; t: AirflowTarget; label: string; state: string }
  | { kind: 'refused'; outcome: ExecutionOutcome };

function plan(c: AirflowConnection, action: Action, t: AirflowTarget, key: string): Planned {
  const api: AirflowApi = c.api;
  const clear = (mode: { onlyFailed: boolean; includeDownstream: boolean }): Planned => ({
    kind: 'clear', t, what: `Airflow clearTaskInstances ${t.dagId}/${t.dagRunId}`,
    req: jsonRequest('POST', c.url + clearPath(api, t), clearBody(api, t, mode), { 'idempotency-key': key }),
  });
  return planAction<Planned>(action, {
    // A retry re-runs what failed and nothing else, whatever the target says.
    retry: () => clear({ onlyFailed: true, includeDownstream: false }),
    rerun: () => clear({ onlyFailed: t.onlyFailed, includeDownstream: t.includeDownstream }),
    skip: (skip) => {
      const [taskId, ...more] = t.taskIds;
      if (taskId === undefined || more.length > 0) return { kind: 'refused', outcome: refused(`Airflow marks one task instance at a time; the target names ${t.taskIds.length}`) };
      return {
        kind: 'mark', t, state: skip.mark, what: `Airflow patch task instance ${t.dagId}/${t.dagRunId}/${taskId}`,
        label: `${t.dagId}/${t.dagRunId}/${taskId}${t.mapIndex === undefined ? '' : `[${t.mapIndex}]`}`,
        req: jsonRequest('PATCH', c.url + taskInstancePath(api, t, taskId), patchStateBody(api, skip.mark), { 'idempotency-key': key }),
      };
    },
  }, () => ({ kind: 'refused', outcome: unsupported(action, 'Airflow') }));
}

/** Builds the executor for one Airflow deployment, with its dry run and observation; the token cache lives as long as it does. */
export function airflowRemedy(connection: AirflowConnection, deps: HttpDeps): RemedyParts<AirflowTarget> {
  const credentials = airflowCredentials(connection, deps);
  const credential = connection.auth.kind === 'basic'
    ? { authorization: `Basic (${connection.auth.username}:••••)` }
    : { authorization: 'Bearer (a token from POST /auth/token)' };

  const execute: Executor<AirflowTarget> = async ({ action, target, idempotencyKey }) => {
    const p = plan(connection, action, target, idempotencyKey);
    if (p.kind === 'refused') return p.outcome;
    const c = await authorizedCall(p.req, credentials, connection, deps, p.what);
    if (c.kind === 'failed') return c.outcome;
    if (p.kind === 'mark') return done(`marked ${p.label} ${p.state}`, c.response.json);
    const cleared = taskIdsIn(c.response.json);
    const what = cleared.length > 0
      ? `cleared ${cleared.length} task instance(s) of ${p.t.dagId}/${p.t.dagRunId}: ${cleared.join(', ')}`
      // Nothing matched: already cleared (a redelivered execution) or no longer failed.
      : `cleared nothing in ${p.t.dagId}/${p.t.dagRunId}: no task instance matched (already cleared, or no longer failed)`;
    return done(what, c.response.json);
  };

  return {
    execute,
    describe: ({ action, target, idempotencyKey }) => {
      const p = plan(connection, action, target, idempotencyKey);
      return p.kind === 'refused' ? refusedDryRun(p.outcome) : dryRunOf('airflow', p.req, credential);
    },
    observe: ({ target }) => observeAirflow(connection, credentials, deps, target),
    compare: compareAirflow,
  };
}

/** Builds the executor for one Airflow deployment. */
export function airflowExecutor(connection: AirflowConnection, deps: HttpDeps): Executor<AirflowTarget> {
  return airflowRemedy(connection, deps).execute;
}
