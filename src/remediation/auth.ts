/**
 * Credentials as headers, and the one rule for expired ones: a token that earned a 401 is
 * dropped, a new one fetched, and the call sent once more. Static credentials are not retried.
 */
import type { ExecutionOutcome } from './executor.ts';
import type { ConnectionLimits } from './config.ts';
import { checked, type Checked } from './http-outcome.ts';
import { send, type HttpDeps, type HttpRequest, type HttpResult } from './http.ts';

export type AuthHeaders = { kind: 'ok'; headers: Record<string, string> } | { kind: 'failed'; outcome: ExecutionOutcome & { kind: 'failed' } };

export interface Credentials {
  headers(): Promise<AuthHeaders>;
  /** Forgets a cached token so the next `headers()` fetches a new one; absent for static credentials. */
  invalidate?: () => void;
}

/** Credentials that never change: basic auth, an API key, a service-account token. */
export function staticCredentials(headers: Record<string, string>): Credentials {
  const answer: AuthHeaders = { kind: 'ok', headers };
  return { headers: () => Promise.resolve(answer) };
}

export function basicAuth(username: string, password: string): Credentials {
  return staticCredentials({ authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` });
}

/**
 * A bearer token obtained by `login` and cached until a call is refused with 401. Concurrent
 * callers share one login.
 */
export function tokenCredentials(login: () => Promise<{ kind: 'ok'; token: string } | { kind: 'failed'; outcome: ExecutionOutcome & { kind: 'failed' } }>): Credentials {
  let pending: Promise<AuthHeaders> | undefined;
  return {
    headers() {
      pending ??= login().then((r): AuthHeaders => {
        if (r.kind === 'failed') {
          pending = undefined; // the next call tries to log in again
          return r;
        }
        return { kind: 'ok', headers: { authorization: `Bearer ${r.token}` } };
      });
      return pending;
    },
    invalidate() {
      pending = undefined;
    },
  };
}

/** Logs in with a JSON POST and reads the token at `field` of the answer. */
export async function jsonLogin(
  url: string, body: unknown, field: string, what: string, limits: ConnectionLimits, deps: HttpDeps,
): Promise<{ kind: 'ok'; token: string } | { kind: 'failed'; outcome: ExecutionOutcome & { kind: 'failed' } }> {
  const result = await send({
    method: 'POST', url, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body),
  }, limits, deps);
  const c = checked(result, what);
  if (c.kind === 'failed') return c;
  const json = c.response.json;
  const token = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[field] : undefined;
  if (typeof token !== 'string' || token === '') {
    return { kind: 'failed', outcome: { kind: 'failed', retryable: false, status: c.response.status, detail: `${what}: the answer has no "${field}"` } };
  }
  return { kind: 'ok', token };
}

/**
 * Sends `req` with the credentials' headers; on a 401 with refreshable credentials, once more
 * with fresh ones. Returns the auth failure itself when no headers could be had.
 */
export async function sendAuthorized(
  req: HttpRequest, credentials: Credentials, limits: ConnectionLimits, deps: HttpDeps,
): Promise<HttpResult | { kind: 'auth-failed'; outcome: ExecutionOutcome & { kind: 'failed' } }> {
  const attempt = async () => {
    const auth = await credentials.headers();
    if (auth.kind === 'failed') return { kind: 'auth-failed' as const, outcome: auth.outcome };
    return send({ ...req, headers: { ...req.headers, ...auth.headers } }, limits, deps);
  };
  const first = await attempt();
  if (first.kind !== 'response' || first.response.status !== 401 || !credentials.invalidate) return first;
  credentials.invalidate();
  return attempt();
}

/** Sends `req` authorized and reads the answer: a 2xx, or the failure it amounts to. */
export async function authorizedCall(
  req: HttpRequest, credentials: Credentials, limits: ConnectionLimits, deps: HttpDeps, what: string,
): Promise<Checked> {
  const result = await sendAuthorized(req, credentials, limits, deps);
  return result.kind === 'auth-failed' ? { kind: 'failed', outcome: result.outcome } : checked(result, what);
}
