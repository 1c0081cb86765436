/**
 * The events walk: Marquez's raw OpenLineage RunEvents (`GET /api/v1/events/lineage`), oldest
 * first within [after, before). They are exactly what producers sent, facets and lineage
 * included, so they go to ingest as they are.
 */
import { nextEventsCursor, skipEventsPage, type EventsCursor } from './marquez-cursor.ts';
import { failedStep, isObject, timeOf, totalOf, type MarquezApi } from './marquez-http.ts';
import type { PullStep } from './puller.ts';

/** What a walk over Marquez needs: its API, the page size and the namespace filter. */
export interface WalkContext {
  api: MarquezApi;
  limit: number;
  keep: (namespace: string) => boolean;
  /** Whether `keep` drops anything: Marquez's counts are then not the pass's. */
  filtered: boolean;
  signal: AbortSignal | undefined;
}

/** Pages in a row that cannot be read before a pass gives up, rather than walk a broken API to its end. */
export const MAX_UNREADABLE_PAGES = 3;

type EventsPage =
  | { kind: 'ok'; events: unknown[]; total: number | undefined }
  | { kind: 'malformed'; field: string; detail: string };

function readEventsPage(json: unknown): EventsPage {
  if (json === undefined) return { kind: 'malformed', field: 'body', detail: 'the answer is not JSON' };
  if (!isObject(json)) return { kind: 'malformed', field: 'body', detail: 'the answer is not a JSON object' };
  if (!Array.isArray(json.events)) return { kind: 'malformed', field: 'events', detail: 'the answer has no "events" list' };
  return { kind: 'ok', events: json.events, total: totalOf(json) };
}

/** One event's time and namespace, or what is wrong with it. */
function readEvent(e: unknown): { kind: 'ok'; time: number; namespace: string | undefined } | { kind: 'bad'; field: string; detail: string } {
  if (!isObject(e)) return { kind: 'bad', field: '', detail: 'is not an object' };
  const time = timeOf(e.eventTime);
  if (time === undefined) return { kind: 'bad', field: '.eventTime', detail: 'is not a date-time' };
  const job = isObject(e.job) ? e.job : undefined;
  return { kind: 'ok', time, namespace: typeof job?.namespace === 'string' ? job.namespace : undefined };
}

interface SortedPage { items: unknown[]; times: number[]; newest: Date | null; bad: { field: string; detail: string }[] }

/** The page's events the filter keeps, every readable time (for the cursor), and the unreadable ones. */
function sortPage(events: unknown[], ctx: WalkContext): SortedPage {
  const page: SortedPage = { items: [], times: [], newest: null, bad: [] };
  events.forEach((e, i) => {
    const r = readEvent(e);
    if (r.kind === 'bad') return void page.bad.push({ field: `events[${i}]${r.field}`, detail: `the event ${r.detail}` });
    page.times.push(r.time);
    if (ctx.filtered && (r.namespace === undefined || !ctx.keep(r.namespace))) return;
    page.items.push(e);
    if (page.newest === null || r.time > page.newest.getTime()) page.newest = new Date(r.time);
  });
  return page;
}

/**
 * The largest page asked for on a Marquez before 0.40, which ignores `offset` (and sends no
 * `totalCount`): a millisecond holding a full page is read whole by asking for more at once.
 */
const MAX_WIDENED_LIMIT = 100_000;

/**
 * Walks from `start` to `before`. Returns `absent` when the first call answers 404: a Marquez
 * older than the events API (before 0.26), for the caller to walk its runs instead.
 */
export async function* eventsWalk(ctx: WalkContext, start: EventsCursor, before: string): AsyncGenerator<PullStep, 'done' | 'absent'> {
  let cur = start;
  let limit = ctx.limit;
  let first = true;
  let unreadable = 0;
  // Marquez counts what is left from `after` on each call; the first count is the pass's.
  let total: number | undefined;
  while (!ctx.signal?.aborted) {
    const query = { after: cur.after, before, sortDirection: 'asc', limit, offset: cur.offset };
    const a = await ctx.api.get('/events/lineage', query, 'Marquez lineage events');
    if (a.kind === 'failed') {
      if (first && a.status === 404) return 'absent';
      yield failedStep(a);
      return 'done';
    }
    first = false;
    const page = readEventsPage(a.json);
    if (page.kind === 'malformed') {
      cur = skipEventsPage(cur, limit);
      yield { kind: 'malformed', where: a.where, field: page.field, detail: page.detail, cursor: cur };
      unreadable += 1;
      if (unreadable < MAX_UNREADABLE_PAGES) continue;
      yield { kind: 'failed', where: a.where, status: null, detail: `${unreadable} pages in a row could not be read`, fatal: false };
      return 'done';
    }
    unreadable = 0;
    total ??= page.total;
    const sorted = sortPage(page.events, ctx);
    // A server that ignores `after` would have the walk re-read the same page for ever.
    if (sorted.times.some((t) => t < Date.parse(cur.after))) {
      yield { kind: 'failed', where: a.where, status: null, detail: 'Marquez answered events older than the "after" asked for', fatal: false };
      return 'done';
    }
    const asked = limit;
    let next = nextEventsCursor(cur, sorted.times, page.events.length);
    if (page.total === undefined && next.after === cur.after && page.events.length >= asked) {
      if (asked >= MAX_WIDENED_LIMIT) {
        yield { kind: 'failed', where: a.where, status: null, detail: `more than ${asked} events share the time ${cur.after}: this Marquez cannot page through them`, fatal: false };
        return 'done';
      }
      [next, limit] = [cur, Math.min(asked * 4, MAX_WIDENED_LIMIT)];
    } else limit = ctx.limit;
    cur = next;
    yield {
      kind: 'page', orchestrator: 'openlineage', items: sorted.items, cursor: cur, where: a.where, newest: sorted.newest,
      ...(total !== undefined && !ctx.filtered ? { total } : {}),
    };
    for (const b of sorted.bad) yield { kind: 'malformed', where: a.where, field: b.field, detail: b.detail, cursor: cur };
    if (page.events.length < asked) return 'done';
  }
  return 'done';
}
