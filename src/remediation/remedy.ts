/**
 * What Medic needs of an executor beyond executing: a dry run (the exact request it would send,
 * without sending it or its secrets) and an observation of the target, so that a worker taking
 * over a crashed execution can tell whether the effect is already there before sending again.
 */
import type { Action } from '../policies/action.ts';
import type { ExecutionOutcome, ExecutionRequest, ExecutionTarget, Executor } from './executor.ts';
import type { HttpRequest } from './http.ts';

/** A dry run: the request an execution would send, secrets replaced by where they come from. */
export type DryRun =
  | { kind: 'request'; executor: string; method: string; url: string; headers: Record<string, string>; body: unknown; note?: string }
  | { kind: 'refused'; detail: string };

/**
 * The target as seen before the first call (the baseline) or now. `unobservable` when the
 * executor cannot look (a webhook: its receiver dedupes on the idempotency key instead).
 */
export type Observation =
  | { kind: 'observed'; snapshot: Record<string, unknown> }
  | { kind: 'unobservable'; detail: string }
  | { kind: 'failed'; retryable: boolean; detail: string };

/** Whether the effect of `action` shows between two snapshots of its target. */
export type Compare = (action: Action, before: Record<string, unknown>, after: Record<string, unknown>) => { applied: boolean; detail: string };

/** An executor with its dry run and its observation of the target. */
export interface RemedyParts<T extends ExecutionTarget = ExecutionTarget> {
  execute: Executor<T>;
  describe: (request: ExecutionRequest<T>) => DryRun;
  observe: (request: ExecutionRequest<T>) => Promise<Observation>;
  compare: Compare;
}

/** Shows a request as sent, with the credential header described rather than given. */
export function dryRunOf(executor: string, req: HttpRequest, credential: Record<string, string>, note?: string): DryRun {
  let body: unknown = req.body;
  if (req.body !== undefined) {
    try {
      body = JSON.parse(req.body) as unknown;
    } catch {
      body = req.body;
    }
  }
  return { kind: 'request', executor, method: req.method, url: req.url, headers: { ...req.headers, ...credential }, body, ...(note ? { note } : {}) };
}

/** A dry run of an outcome refused before any call (an unsupported action, a bad target). */
export function refusedDryRun(outcome: ExecutionOutcome): DryRun {
  return { kind: 'refused', detail: outcome.detail };
}

/** A snapshot of the target, as an observation. */
export function observed(snapshot: Record<string, unknown>): Observation {
  return { kind: 'observed', snapshot };
}

/** A GET that failed: retryable when the target may answer later. */
export function observationFailed(outcome: ExecutionOutcome & { kind: 'failed' }): Observation {
  return { kind: 'failed', retryable: outcome.retryable, detail: outcome.detail };
}

/** A field of a JSON object, or null when it is absent or the value is not an object. */
export function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? ((body as Record<string, unknown>)[name] ?? null) : null;
}
