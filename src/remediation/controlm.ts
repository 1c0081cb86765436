/**
 * The Control-M executor, through the Automation API: rerun a job order, set it OK (skip with
 * success), hold it. Auth is an API token (`x-api-key`) or a session token from
 * `POST /session/login`, cached and renewed by logging in again when a call gets a 401.
 */
import { authorizedCall, jsonLogin, staticCredentials, tokenCredentials, type Credentials } from './auth.ts';
import type { ControlmConnection } from './config.ts';
import { done, unsupported, type ControlmTarget, type ExecutionOutcome, type Executor } from './executor.ts';
import { jsonRequest, type HttpDeps } from './http.ts';

type Verb = 'rerun' | 'setToOk' | 'hold';

function credentialsOf(c: ControlmConnection, deps: HttpDeps): Credentials {
  if (c.auth.kind === 'api-key') return staticCredentials({ 'x-api-key': c.auth.key });
  const { username, password } = c.auth;
  return tokenCredentials(() => jsonLogin(`${c.url}/session/login`, { username, password }, 'token', 'Control-M /session/login', c, deps));
}

/** `POST {url}/run/job/{jobId}/{verb}`; the job id (`server:orderId`) is URL-encoded. */
export function controlmPath(jobId: string, verb: Verb): string {
  return `/run/job/${encodeURIComponent(jobId)}/${verb}`;
}

/** Builds the executor for one Control-M Automation API endpoint. */
export function controlmExecutor(connection: ControlmConnection, deps: HttpDeps): Executor<ControlmTarget> {
  const credentials = credentialsOf(connection, deps);

  const run = async (t: ControlmTarget, verb: Verb, key: string): Promise<ExecutionOutcome> => {
    // rerun takes optional RerunParameters (z/OS only); the others take no body.
    const req = jsonRequest('POST', connection.url + controlmPath(t.jobId, verb), {}, { 'idempotency-key': key });
    const c = await authorizedCall(req, credentials, connection, deps, `Control-M ${verb} ${t.jobId}`);
    if (c.kind === 'failed') return c.outcome;
    const message = (c.response.json as { message?: unknown } | undefined)?.message;
    return done(`Control-M ${verb} ${t.jobId}${typeof message === 'string' ? `: ${message}` : ''}`, c.response.json);
  };

  return async ({ action, target, idempotencyKey }) => {
    switch (action.kind) {
      case 'retry':
      case 'rerun':
        return run(target, 'rerun', idempotencyKey);
      case 'skip':
        // Control-M has no "skipped" end state: a job is set OK or left as it is.
        return action.mark === 'success' ? run(target, 'setToOk', idempotencyKey) : unsupported(action, 'Control-M', 'it can only mark a job OK (mark: success)');
      case 'hold_downstream':
        // The caller resolves each downstream job order to its own target; this holds one.
        return run(target, 'hold', idempotencyKey);
      case 'extend_deadline':
      case 'notify':
      case 'run_agent':
      case 'webhook':
      case 'go':
      case 'hold':
        return unsupported(action, 'Control-M');
      default: {
        const never: never = action;
        return never;
      }
    }
  };
}
