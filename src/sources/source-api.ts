/**
 * What every puller does the same way with its API: a GET answered with JSON, described for
 * people by its path and query only, with every secret of the source redacted from what comes
 * back (a proxy may echo a header in an error body, a URL's user-info may come back in a
 * connection error); and the one rule that turns a failed call into the step that ends a pass.
 */
import { connectionSecrets, redactor } from '../remediation/redact.ts';
import type { SourceConfig } from './config.ts';
import type { PullCall, PullStep } from './puller.ts';

/** One GET's answer: the body (undefined when it is not JSON), or why there is none. */
export type Answer =
  | { kind: 'ok'; where: string; json: unknown }
  | { kind: 'failed'; where: string; status: number | null; detail: string };

export type Get = (path: string, query: Record<string, string | number>, what: string) => Promise<Answer>;

/**
 * GETs under `root`. `where` is `GET path?query`, its query decoded for people to read (the
 * path keeps `%2F` inside a name) unless `decodePath` says the path reads better decoded too.
 */
export function sourceGet(source: SourceConfig, root: string, call: PullCall, options: { decodePath?: boolean } = {}): Get {
  const clean = redactor(connectionSecrets(source));
  return async (path, query, what) => {
    const url = new URL(`${root}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
    const shown = options.decodePath ? decodeURIComponent(url.pathname) : url.pathname;
    const where = clean(`GET ${shown}${decodeURIComponent(url.search)}`);
    const checked = await call({ method: 'GET', url: url.toString(), headers: { accept: 'application/json' } }, what);
    if (checked.kind === 'ok') return { kind: 'ok', where, json: checked.response.json };
    return { kind: 'failed', where, status: checked.outcome.status ?? null, detail: clean(checked.outcome.detail) };
  };
}

/**
 * The step a failed call ends a pass with. Refused credentials (401, 403), and whatever else
 * `fatalStatuses` names for this API, will be refused again until someone changes the
 * configuration; anything else (unreachable, 5xx after retries) may pass by itself.
 */
export function failedStep(a: { where: string; status: number | null; detail: string }, fatalStatuses: readonly number[] = []): PullStep {
  const fatal = a.status === 401 || a.status === 403 || (a.status !== null && fatalStatuses.includes(a.status));
  return { kind: 'failed', where: a.where, status: a.status, detail: a.detail, fatal };
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A time an API sent (RFC 3339), in milliseconds; undefined when absent or unreadable. */
export function timeOf(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}
