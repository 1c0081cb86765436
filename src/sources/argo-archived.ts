/**
 * One page of the workflow archive, `GET /api/v1/archived-workflows`: workflows the
 * controller archived (to its database) when they ended, most of them since deleted from the
 * cluster. Paged by `listOptions.limit` and `listOptions.continue` (an offset), filtered by
 * the field selectors `metadata.namespace=` and `spec.startedAt>` / `spec.startedAt<`.
 *
 * The listing holds summaries (name, namespace, uid, labels, phase and times) without the
 * nodes, so each workflow emitted is read whole with `GET /api/v1/archived-workflows/{uid}`:
 * one call per workflow that ended since the last pass, the price of its steps' history.
 */
import { nextArchived, nextListing, selectorTime, skipArchivedPage, type ArgoCursor, type At } from './argo-cursor.ts';
import { factsOf, failedStep, isObject, readList, type Answer, type ArgoApi } from './argo-http.ts';
import { choose, pageSteps, type ListingContext, type Outcome } from './argo-live.ts';

type ArchivedAt = Extract<At, { phase: 'archived' }>;

/** The whole archived workflow for `summary`; the summary itself when the archive no longer has it. */
async function whole(api: ArgoApi, summary: unknown): Promise<{ kind: 'ok'; workflow: unknown } | Extract<Answer, { kind: 'failed' }>> {
  const uid = factsOf(summary)?.uid;
  if (uid === undefined) return { kind: 'ok', workflow: summary };
  const a = await api.get(`/api/v1/archived-workflows/${encodeURIComponent(uid)}`, {}, 'Argo get archived workflow');
  // Deleted between the listing and this call (archive TTL): the summary still says how it ended.
  if (a.kind === 'failed') return a.status === 404 ? { kind: 'ok', workflow: summary } : a;
  return { kind: 'ok', workflow: isObject(a.json) && isObject(a.json.metadata) ? a.json : summary };
}

function query(cur: ArgoCursor, at: ArchivedAt, limit: number): Record<string, string | number> {
  const selector = [
    ...(at.namespace === '' ? [] : [`metadata.namespace=${at.namespace}`]),
    `spec.startedAt>${selectorTime(cur.archivedFrom)}`,
    ...(at.before === null ? [] : [`spec.startedAt<${at.before}`]),
  ].join(',');
  return { 'listOptions.fieldSelector': selector, 'listOptions.limit': limit, ...(at.offset > 0 ? { 'listOptions.continue': String(at.offset) } : {}) };
}

/** Reads the page of the archive listing `at` and emits, whole, its workflows that ended since `from`. */
export async function readArchived(ctx: ListingContext, cur: ArgoCursor, at: ArchivedAt): Promise<Outcome> {
  const a = await ctx.api.get('/api/v1/archived-workflows', query(cur, at, ctx.limit), 'Argo list archived workflows');
  if (a.kind === 'failed') {
    // No archive to read: an Argo Server older than the archive API, or built without it.
    if (a.status !== 404 && a.status !== 501) return { kind: 'failed', step: failedStep(a) };
    const next = { ...cur, at: nextListing(at, ctx.namespaces) };
    return { kind: 'read', steps: pageSteps(a.where, { items: [], open: [], newest: null, bad: [] }, next), next };
  }
  const list = readList(a.json);
  if (list.kind === 'malformed') {
    const next: ArgoCursor = { ...cur, skipped: true, at: skipArchivedPage(at, ctx.limit) };
    return { kind: 'unreadable', step: { kind: 'malformed', where: a.where, field: list.field, detail: list.detail, cursor: next }, next };
  }
  const chosen = choose(list.items, cur.from);
  const workflows: unknown[] = [];
  for (const r of await Promise.all(chosen.items.map((s) => whole(ctx.api, s)))) {
    // The page is read again on the next try: no workflow of it is emitted without its nodes.
    if (r.kind === 'failed') return { kind: 'failed', step: failedStep(r) };
    workflows.push(r.workflow);
  }
  const starts = list.items.map((i) => factsOf(i)?.started).filter((t): t is number => t !== undefined);
  const next: ArgoCursor = { ...cur, at: list.continue === undefined ? nextListing(at, ctx.namespaces) : nextArchived(at, starts, list.items.length) };
  return { kind: 'read', steps: pageSteps(a.where, { ...chosen, items: workflows }, next), next };
}
