/**
 * One page of a live workflow listing, `GET /api/v1/workflows/{namespace}` (`/api/v1/workflows/`
 * for every namespace), and the choice, shared with the archive, of which workflows to emit.
 *
 * The listing is paged by `listOptions.limit` and `listOptions.continue`. A Kubernetes-backed
 * Argo Server (up to 3.4) hands out Kubernetes' opaque tokens, which expire after minutes:
 * Kubernetes answers 410 Gone, which Argo Server passes on as 400 (gRPC InvalidArgument) or,
 * before 3.4, 500, with Kubernetes' message. Argo 3.5+ lists from its own store and the token
 * is an offset. Either way a refused token restarts that listing from its first page: the
 * pass's bounds do not change, so it re-reads (duplicates) and misses nothing.
 *
 * Argo 3.5+ also lists the archive in this listing, after the live workflows, as summaries
 * without nodes. The listing ends where that tail begins: the archive phase reads it, whole
 * and by start time, and walking it here would page through the entire archive every pass.
 */
import { nextListing, openAfter, type ArgoCursor, type At } from './argo-cursor.ts';
import { factsOf, failedStep, isObject, readList, type Answer, type ArgoApi } from './argo-http.ts';
import type { PullStep } from './puller.ts';

/**
 * What the list asks the server to send (`fields`): the list's metadata (its continue token)
 * and, of each workflow, what the Argo adapter (src/ingest/argo.ts) reads. The rest of a
 * workflow, its stored templates above all, is most of its size. Extend with the adapter.
 */
export const LIVE_FIELDS = [
  'metadata',
  'items.metadata.name', 'items.metadata.namespace', 'items.metadata.uid', 'items.metadata.generateName',
  'items.metadata.labels', 'items.metadata.creationTimestamp', 'items.metadata.resourceVersion',
  'items.spec.workflowTemplateRef',
  'items.status.phase', 'items.status.startedAt', 'items.status.finishedAt', 'items.status.message', 'items.status.nodes',
].join(',');

/** What a listing needs: the API, the page size and the namespaces of the pass. */
export interface ListingContext {
  api: ArgoApi;
  limit: number;
  namespaces: readonly string[];
}

/** What one call of a pass came to. */
export type Outcome =
  | { kind: 'read'; steps: PullStep[]; next: ArgoCursor }
  | { kind: 'unreadable'; step: PullStep; next: ArgoCursor }
  | { kind: 'expired'; where: string; detail: string; next: ArgoCursor }
  | { kind: 'failed'; step: PullStep };

/** The workflows of a page to emit, the starts of those still running, and what is not a workflow. */
export interface Chosen {
  items: unknown[];
  open: number[];
  newest: Date | null;
  bad: { field: string; detail: string }[];
}

/**
 * Keeps what can have changed since `from`: a workflow not finished (running, pending, or
 * without a readable end), or one that finished at or after `from`.
 */
export function choose(items: readonly unknown[], from: string): Chosen {
  const since = Date.parse(from);
  const chosen: Chosen = { items: [], open: [], newest: null, bad: [] };
  let newest = Number.NEGATIVE_INFINITY;
  items.forEach((item, i) => {
    const f = factsOf(item);
    if (!f) return void chosen.bad.push({ field: `items[${i}].metadata.name`, detail: 'the item is not a workflow: it has no metadata.name' });
    if (f.finished !== undefined && f.finished < since) return;
    if (f.finished === undefined && f.started !== undefined) chosen.open.push(f.started);
    chosen.items.push(item);
    newest = Math.max(newest, f.finished ?? f.started ?? Number.NEGATIVE_INFINITY);
  });
  chosen.newest = Number.isFinite(newest) ? new Date(newest) : null;
  return chosen;
}

/** A page step, followed by one `malformed` step per listed item that is not a workflow. */
export function pageSteps(where: string, chosen: Chosen, cursor: ArgoCursor): PullStep[] {
  return [
    { kind: 'page', orchestrator: 'argo', items: chosen.items, cursor, where, newest: chosen.newest },
    ...chosen.bad.map((b): PullStep => ({ kind: 'malformed', where, field: b.field, detail: b.detail, cursor })),
  ];
}

/**
 * Whether a page of an Argo 3.5+ listing (offset tokens) has reached its archived tail: a
 * summary from the archive has no resourceVersion, which every object from the cluster has.
 */
function reachesArchive(items: readonly unknown[], token: string | undefined): boolean {
  return token !== undefined && /^\d+$/.test(token)
    && items.some((i) => isObject(i) && isObject(i.metadata) && i.metadata.resourceVersion === undefined);
}

/** Whether the server refused a continue token (expired, or not one it can read). */
function tokenRefused(a: Extract<Answer, { kind: 'failed' }>): boolean {
  return a.status === 410 || ((a.status === 400 || a.status === 500) && /continue/i.test(a.detail));
}

/** Reads the page of the live listing `at` and emits its workflows that can have changed. */
export async function readLive(ctx: ListingContext, cur: ArgoCursor, at: Extract<At, { phase: 'live' }>): Promise<Outcome> {
  const path = at.namespace === '' ? '/api/v1/workflows/' : `/api/v1/workflows/${encodeURIComponent(at.namespace)}`;
  const query = { 'listOptions.limit': ctx.limit, fields: LIVE_FIELDS, ...(at.continue === null ? {} : { 'listOptions.continue': at.continue }) };
  const a = await ctx.api.get(path, query, 'Argo list workflows');
  if (a.kind === 'failed') {
    if (at.continue !== null && tokenRefused(a)) return { kind: 'expired', where: a.where, detail: a.detail, next: { ...cur, at: { ...at, continue: null } } };
    return { kind: 'failed', step: failedStep(a) };
  }
  const list = readList(a.json);
  const onwards = (token: string | undefined, c: ArgoCursor): ArgoCursor => ({ ...c, at: token ? { ...at, continue: token } : nextListing(at, ctx.namespaces) });
  if (list.kind === 'malformed') {
    // Without a token the rest of this listing is not reachable this pass: the next pass keeps this one's bounds.
    const next = onwards(list.continue, { ...cur, skipped: true });
    return { kind: 'unreadable', step: { kind: 'malformed', where: a.where, field: list.field, detail: list.detail, cursor: next }, next };
  }
  const chosen = choose(list.items, cur.from);
  const token = reachesArchive(list.items, list.continue) ? undefined : list.continue;
  const next = onwards(token, { ...cur, openSince: openAfter(cur.openSince, chosen.open) });
  return { kind: 'read', steps: pageSteps(a.where, chosen, next), next };
}
