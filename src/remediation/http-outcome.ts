/**
 * The one place that turns an orchestrator's HTTP answer into an execution failure: retryable
 * or not, and with the orchestrator's own words in `detail` so people see why.
 */
import { retryableStatus } from './backoff.ts';
import type { ExecutionOutcome } from './executor.ts';
import type { HttpResponse, HttpResult } from './http.ts';

const MAX_DETAIL = 500;

/**
 * The error message in an answer body, as each API words it: Airflow (RFC 7807 `detail`/`title`,
 * or FastAPI's `detail` string or validation list), Argo (grpc-gateway `message`), Control-M
 * (`errors[].message`); the raw text otherwise.
 */
export function errorMessageOf(response: HttpResponse): string {
  const fromJson = messageIn(response.json);
  const text = fromJson ?? response.text.trim();
  return (text === '' ? `HTTP ${response.status}` : text).slice(0, MAX_DETAIL);
}

function messageIn(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.detail === 'string' && b.detail !== '') return b.detail;
  if (Array.isArray(b.detail)) return b.detail.map(validationMessage).join('; ');
  if (typeof b.message === 'string' && b.message !== '') return b.message;
  if (Array.isArray(b.errors)) {
    const messages = b.errors.map((e: unknown) => messageIn(e)).filter((m): m is string => m !== undefined);
    if (messages.length > 0) return messages.join('; ');
  }
  if (typeof b.error === 'string' && b.error !== '') return b.error;
  if (typeof b.title === 'string' && b.title !== '') return b.title;
  if (typeof b.detail === 'object' && b.detail !== null) return JSON.stringify(b.detail);
  return undefined;
}

function validationMessage(item: unknown): string {
  if (typeof item !== 'object' || item === null) return String(item);
  const i = item as Record<string, unknown>;
  const loc = Array.isArray(i.loc) ? i.loc.join('.') : '';
  return `${loc ? `${loc}: ` : ''}${typeof i.msg === 'string' ? i.msg : JSON.stringify(item)}`;
}

/** A 2xx answer, or the failure the call amounts to. */
export type Checked = { kind: 'ok'; response: HttpResponse } | { kind: 'failed'; outcome: ExecutionOutcome & { kind: 'failed' } };

/** Reads `result` of a call described by `what` (e.g. "Airflow clearTaskInstances"). */
export function checked(result: HttpResult, what: string): Checked {
  const tries = result.tries > 1 ? ` (after ${result.tries} tries)` : '';
  if (result.kind === 'unreachable') {
    return { kind: 'failed', outcome: { kind: 'failed', retryable: true, detail: `${what}: ${result.detail}${tries}` } };
  }
  const { response } = result;
  if (response.status >= 200 && response.status < 300) return { kind: 'ok', response };
  const where = response.status >= 300 && response.status < 400 ? ` (redirected to ${response.headers.get('location') ?? '?'}; configure the final URL)` : '';
  return {
    kind: 'failed',
    outcome: {
      kind: 'failed',
      retryable: retryableStatus(response.status),
      status: response.status,
      detail: `${what}: HTTP ${response.status} ${errorMessageOf(response)}${where}${tries}`,
    },
  };
}
