/**
 * Control-M's Automation API as the puller reads it: GETs under the configured root, answered
 * with JSON (errors as `{errors: [{message}]}`), the one place a failed call becomes a `failed`
 * step, and the reading of a `/run/jobs/status` answer.
 */
import type { ControlmSource } from './config.ts';
import type { PullCall, PullStep } from './puller.ts';
import { failedStep as failedCall, isObject, sourceGet, type Answer } from './source-api.ts';

export { isObject, type Answer };

export interface ControlmApi {
  /** GETs `path` (under the Automation API root) with `query`. */
  get(path: string, query: Record<string, string | number>, what: string): Promise<Answer>;
}

export function controlmApi(source: ControlmSource, call: PullCall): ControlmApi {
  return { get: sourceGet(source, source.url, call) };
}

/** The step a failed call ends a pass with: a filter the server refuses (400) is refused again too. */
export const failedStep = (a: Extract<Answer, { kind: 'failed' }>): PullStep => failedCall(a, [400]);

const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);

/** A `/run/jobs/status` answer as read: its jobs and counts, or what is wrong with it. */
export type StatusPage =
  | { kind: 'ok'; statuses: unknown[]; total: number | undefined }
  | { kind: 'malformed'; field: string; detail: string };

/**
 * Reads a `JobStatusResult`. An answer with nothing to report may leave `statuses` out; one
 * that counts jobs and lists none is broken.
 */
export function readStatuses(json: unknown): StatusPage {
  if (json === undefined) return { kind: 'malformed', field: 'body', detail: 'the answer is not JSON' };
  if (!isObject(json)) return { kind: 'malformed', field: 'body', detail: 'the answer is not a JSON object' };
  const total = count(json.total);
  if (Array.isArray(json.statuses)) return { kind: 'ok', statuses: json.statuses, total };
  if (json.statuses === undefined && (total === 0 || count(json.returned) === 0)) return { kind: 'ok', statuses: [], total: 0 };
  return { kind: 'malformed', field: 'statuses', detail: 'the answer has no "statuses" list' };
}
