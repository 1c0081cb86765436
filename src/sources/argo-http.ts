/**
 * Argo Server's REST API as the puller reads it: GETs answered with JSON (errors in
 * grpc-gateway's `{code, message}`), the one place a failed call becomes a `failed` step, and
 * the reading of a `WorkflowList`, the shape both listings answer with.
 */
import type { ArgoSource } from './config.ts';
import type { PullCall, PullStep } from './puller.ts';
import { failedStep as failedCall, isObject, sourceGet, timeOf, type Answer } from './source-api.ts';

export { isObject, timeOf, type Answer };

export interface ArgoApi {
  /** GETs `path` (segments already encoded) with `query`. */
  get(path: string, query: Record<string, string | number>, what: string): Promise<Answer>;
}

export function argoApi(source: ArgoSource, call: PullCall): ArgoApi {
  return { get: sourceGet(source, source.url, call) };
}

/**
 * The step a failed call ends a pass with: a request the server cannot take (400: a field
 * selector or option this Argo does not know) is refused again too, until the configuration changes.
 */
export const failedStep = (a: Extract<Answer, { kind: 'failed' }>): PullStep => failedCall(a, [400]);

/** A `WorkflowList` as read: its items and continue token, or what is wrong with it. */
export type ListPage =
  | { kind: 'ok'; items: unknown[]; continue: string | undefined }
  | { kind: 'malformed'; field: string; detail: string; continue: string | undefined };

/**
 * Reads a `WorkflowList`. `items` may be null: Go marshals an empty list so when the server
 * built it by appending (Argo 3.5+ merges live and archived workflows that way).
 */
export function readList(json: unknown): ListPage {
  if (json === undefined) return { kind: 'malformed', field: 'body', detail: 'the answer is not JSON', continue: undefined };
  if (!isObject(json)) return { kind: 'malformed', field: 'body', detail: 'the answer is not a JSON object', continue: undefined };
  const meta = isObject(json.metadata) ? json.metadata : {};
  const token = typeof meta.continue === 'string' && meta.continue !== '' ? meta.continue : undefined;
  if (json.items === null) return { kind: 'ok', items: [], continue: token };
  if (!Array.isArray(json.items)) return { kind: 'malformed', field: 'items', detail: 'the answer has no "items" list', continue: token };
  return { kind: 'ok', items: json.items, continue: token };
}

/** A workflow's name, namespace, uid and times, as far as it has them. */
export interface WorkflowFacts {
  uid: string | undefined;
  started: number | undefined;
  finished: number | undefined;
}

/** The facts of a listed item, or undefined when it is not a workflow (no `metadata.name`). */
export function factsOf(item: unknown): WorkflowFacts | undefined {
  if (!isObject(item) || !isObject(item.metadata) || typeof item.metadata.name !== 'string') return undefined;
  const status = isObject(item.status) ? item.status : {};
  return {
    uid: typeof item.metadata.uid === 'string' && item.metadata.uid !== '' ? item.metadata.uid : undefined,
    started: timeOf(status.startedAt) ?? timeOf(item.metadata.creationTimestamp),
    finished: timeOf(status.finishedAt),
  };
}
