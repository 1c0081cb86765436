/**
 * Where an Airflow pass resumes, and how it moves. A pass reads what changed in [start, end]
 * (`updated_at`, the database's own clock): DAG runs, then task instances, each as a walk of
 * ascending time windows [from, from + span] sized so that one page holds a whole window.
 * A whole window in one answer is one query, so a row that changes between two calls cannot
 * shift another out of sight: it leaves its window for a later one. Only when more rows than a
 * page share one millisecond does the walk page by `offset` inside it, rewinding by however
 * many rows the count says have left.
 *
 * The next pass starts `OVERLAP_MS` before this one's end, for rows whose `updated_at` was
 * stamped before a call but committed after it, and for a database clock up to that much
 * behind ours. Rows on a window's boundary, and in the overlap, are read twice: ingest is
 * idempotent.
 */
import { z } from 'zod';
import type { PullRequest } from './puller.ts';

/** How far a pass goes back over the previous one. @defaultValue 2 min */
export const OVERLAP_MS = 120_000;
/**
 * The widest window: what one malformed answer can cost, and what bounds the calls a sparse
 * history takes (a quiet 90 days is 90 calls). @defaultValue 24 h
 */
export const MAX_SPAN_MS = 24 * 3_600_000;
/** The narrowest window; more rows than a page within it are paged by offset. @defaultValue 1 ms */
export const MIN_SPAN_MS = 1;
/** The share of a page a window is sized to fill, leaving room for bursts. */
const FILL = 0.75;

const Instant = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date-time');
const Count = z.number().int().min(0);

const PassCursor = z.strictObject({
  mode: z.literal('pass'),
  start: Instant,
  end: Instant,
  stream: z.enum(['dag_runs', 'task_instances']),
  from: Instant,
  span: z.number().int().min(MIN_SPAN_MS).max(MAX_SPAN_MS),
  offset: Count,
  /** `total_entries` of the window when `offset` was reached; how many rows left since is the difference. */
  window_total: Count.optional(),
  /** Rows in the whole pass, as Airflow counted them when it began. */
  total: Count.optional(),
});
const IdleCursor = z.strictObject({ mode: z.literal('idle'), next: Instant });
export const AirflowCursor = z.discriminatedUnion('mode', [PassCursor, IdleCursor]);
export type AirflowCursor = z.infer<typeof AirflowCursor>;
export type PassCursor = z.infer<typeof PassCursor>;

const iso = (ms: number) => new Date(ms).toISOString();
const ms = (s: string) => Date.parse(s);
const clampSpan = (span: number) => Math.round(Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, span)));

/**
 * The stored cursor, or a start at `since`. A cursor this puller did not write restarts at
 * `since`: re-reading is safe, ingest being idempotent, and skipping is not.
 */
export function startingCursor(req: PullRequest): AirflowCursor {
  const parsed = AirflowCursor.safeParse(req.cursor);
  return parsed.success ? parsed.data : { mode: 'idle', next: req.since.toISOString() };
}

/** A new pass from `next` to `now`; undefined when there is nothing between them. */
export function newPass(next: string, now: Date): PassCursor | undefined {
  if (ms(next) >= now.getTime()) return undefined;
  return { mode: 'pass', start: next, end: now.toISOString(), stream: 'dag_runs', from: next, span: MAX_SPAN_MS, offset: 0 };
}

/** The window the cursor reads next, in ms. */
export const windowOf = (c: PassCursor) => ({ from: ms(c.from), to: Math.min(ms(c.from) + c.span, ms(c.end)) });

/** A span that should fill `FILL` of a page, given that `span` held `rows` rows. */
export const spanFor = (span: number, rows: number, limit: number) => clampSpan(rows === 0 ? span * 4 : span * Math.min(4, (FILL * limit) / rows));

/**
 * Past the current window, the next one `span` wide; past the last, the task instances'
 * walk, then the next pass. A row on the boundary is read by both windows.
 */
export function afterWindow(c: PassCursor, span: number): AirflowCursor {
  const { to } = windowOf(c);
  const next: PassCursor = { mode: 'pass', start: c.start, end: c.end, stream: c.stream, from: iso(to), span: clampSpan(span), offset: 0, ...(c.total === undefined ? {} : { total: c.total }) };
  if (to < ms(c.end)) return next;
  if (c.stream === 'dag_runs') return { ...next, stream: 'task_instances', from: c.start, span: MAX_SPAN_MS };
  return { mode: 'idle', next: iso(ms(c.end) - OVERLAP_MS) };
}

/** Past the rest of the cursor's walk, read in one answer (a pass's first call over all of it). */
export const afterWalk = (c: PassCursor): AirflowCursor => afterWindow({ ...c, from: c.end }, MAX_SPAN_MS);

/** Past a window that held `rows` rows, the next one sized to fill a page. */
export const afterRows = (c: PassCursor, rows: number, limit: number): AirflowCursor => {
  const { from, to } = windowOf(c);
  return afterWindow(c, spanFor(to - from, rows, limit));
};

/** The same window narrowed after it held `total` rows, more than one page of `limit`. */
export function narrowed(c: PassCursor, total: number, limit: number): PassCursor {
  const { from, to } = windowOf(c);
  // Strictly narrower, so that the walk ends even when the counts disagree.
  return { ...c, span: clampSpan(Math.min(to - from - 1, spanFor(to - from, total, limit))) };
}

/** Whether an overfull window can still be narrowed, or must be paged by offset. */
export const canNarrow = (c: PassCursor) => c.offset === 0 && windowOf(c).to - windowOf(c).from > MIN_SPAN_MS;

/**
 * After `read` rows at `c.offset` of a window now counting `total`: the rows that left it since
 * the last page moved the rest towards the start, so the offset goes back by as many.
 */
export function afterOffsetPage(c: PassCursor, read: number, total: number, limit: number): AirflowCursor {
  const left = Math.max(0, (c.window_total ?? total) - total);
  const offset = Math.max(0, c.offset + read - left);
  if (read === 0 || offset >= total) return afterRows(c, total, limit);
  return { ...c, offset, window_total: total };
}
