/**
 * The Control-M executor, through the Automation API: rerun a job order, set it OK (skip with
 * success), hold it. Auth is an API token (`x-api-key`) or a session token from
 * `POST /session/login`, cached and renewed by logging in again when a call gets a 401.
 */
import type { Action } from '../policies/action.ts';
import { authorizedCall } from './auth.ts';
import { controlmCredentials } from './credentials.ts';
import type { ControlmConnection } from './config.ts';
import { done, planAction, unsupported, type ControlmTarget, type ExecutionOutcome, type Executor } from './executor.ts';
import { jsonRequest, type HttpDeps, type HttpRequest } from './http.ts';
import { dryRunOf, field, observationFailed, observed, refusedDryRun, type Compare, type RemedyParts } from './remedy.ts';

type Verb = 'rerun' | 'setToOk' | 'hold';

/** `POST {url}/run/job/{jobId}/{verb}`; the job id (`server:orderId`) is URL-encoded. */
export function controlmPath(jobId: string, verb: Verb | 'status'): string {
  return `/run/job/${encodeURIComponent(jobId)}/${verb}`;
}

function verbOf(action: Action): { kind: 'verb'; verb: Verb } | { kind: 'refused'; outcome: ExecutionOutcome } {
  return planAction<ReturnType<typeof verbOf>>(action, {
    retry: () => ({ kind: 'verb', verb: 'rerun' }),
    rerun: () => ({ kind: 'verb', verb: 'rerun' }),
    // Control-M has no "skipped" end state: a job is set OK or left as it is.
    skip: (skip) => (skip.mark === 'success' ? { kind: 'verb', verb: 'setToOk' } : { kind: 'refused', outcome: unsupported(action, 'Control-M', 'it can only mark a job OK (mark: success)') }),
    // The caller resolves each downstream job order to its own target; this holds one.
    hold_downstream: () => ({ kind: 'verb', verb: 'hold' }),
  }, () => ({ kind: 'refused', outcome: unsupported(action, 'Control-M') }));
}

/** A rerun shows as another run of the order or a new status; setToOk as Ended OK; hold as held. */
export const compareControlm: Compare = (action, before, after) => {
  const detail = `status ${String(before.status)} (run ${String(before.numberOfRuns)}) → ${String(after.status)} (run ${String(after.numberOfRuns)})${after.held ? ', held' : ''}`;
  const v = verbOf(action);
  if (v.kind === 'refused') return { applied: false, detail };
  if (v.verb === 'setToOk') return { applied: after.status === 'Ended OK', detail };
  if (v.verb === 'hold') return { applied: after.held === true, detail };
  const runs = (s: Record<string, unknown>) => (typeof s.numberOfRuns === 'number' ? s.numberOfRuns : -1);
  return { applied: runs(after) > runs(before) || after.status !== before.status, detail };
};

/** Builds the executor for one Control-M Automation API endpoint, with its dry run and observation. */
export function controlmRemedy(connection: ControlmConnection, deps: HttpDeps): RemedyParts<ControlmTarget> {
  const credentials = controlmCredentials(connection, deps);
  // rerun takes optional RerunParameters (z/OS only); the others take no body.
  const request = (t: ControlmTarget, verb: Verb, key: string): HttpRequest => jsonRequest('POST', connection.url + controlmPath(t.jobId, verb), {}, { 'idempotency-key': key });
  const credential = connection.auth.kind === 'api-key' ? { 'x-api-key': '••••' } : { authorization: 'Bearer (a session from POST /session/login)' };

  return {
    async execute({ action, target, idempotencyKey }) {
      const v = verbOf(action);
      if (v.kind === 'refused') return v.outcome;
      const c = await authorizedCall(request(target, v.verb, idempotencyKey), credentials, connection, deps, `Control-M ${v.verb} ${target.jobId}`);
      if (c.kind === 'failed') return c.outcome;
      const message = (c.response.json as { message?: unknown } | undefined)?.message;
      return done(`Control-M ${v.verb} ${target.jobId}${typeof message === 'string' ? `: ${message}` : ''}`, c.response.json);
    },
    describe({ action, target, idempotencyKey }) {
      const v = verbOf(action);
      return v.kind === 'refused' ? refusedDryRun(v.outcome) : dryRunOf('controlm', request(target, v.verb, idempotencyKey), credential);
    },
    async observe({ target }) {
      const req = { method: 'GET' as const, url: connection.url + controlmPath(target.jobId, 'status'), headers: { accept: 'application/json' } };
      const c = await authorizedCall(req, credentials, connection, deps, `Control-M status ${target.jobId}`);
      if (c.kind === 'failed') return observationFailed(c.outcome);
      const b = c.response.json;
      return observed({ status: field(b, 'status'), numberOfRuns: field(b, 'numberOfRuns'), held: field(b, 'held') });
    },
    compare: compareControlm,
  };
}

/** Builds the executor for one Control-M Automation API endpoint. */
export function controlmExecutor(connection: ControlmConnection, deps: HttpDeps): Executor<ControlmTarget> {
  return controlmRemedy(connection, deps).execute;
}
