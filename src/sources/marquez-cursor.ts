/**
 * Where a Marquez pass resumes. Two walks, one per generation of Marquez's API:
 * - `events`: the raw lineage events, in eventTime order, from `after` (inclusive) skipping
 *   `offset` of them. Marquez filters and sorts by the producer's eventTime, so the watermark is
 *   an event time, never the time of the call.
 * - `runs`: the namespaces → jobs → runs walk of a Marquez without the events API, part way
 *   through: runs updated since `from`, namespaces and jobs in name order, `offset` runs into
 *   `job` of `namespace` ('' for "not started").
 */
import { z } from 'zod';
import type { PullRequest } from './puller.ts';

/** A time as Marquez's `after` takes it: milliseconds, UTC, so equal times compare as strings. */
const Instant = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date-time').transform((s) => new Date(s).toISOString());
const Count = z.number().int().min(0);

export const MarquezCursor = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('events'), after: Instant, offset: Count }),
  z.strictObject({ mode: z.literal('runs'), from: Instant, to: Instant, namespace: z.string(), job: z.string(), offset: Count }),
]);
export type MarquezCursor = z.infer<typeof MarquezCursor>;
export type EventsCursor = Extract<MarquezCursor, { mode: 'events' }>;
export type RunsCursor = Extract<MarquezCursor, { mode: 'runs' }>;

/**
 * The stored cursor, or a start at `since`. A cursor this puller did not write (another
 * version's, or a source whose kind changed) restarts at `since`: re-reading is safe, ingest
 * being idempotent, and skipping is not.
 */
export function startingCursor(req: PullRequest): MarquezCursor {
  const parsed = MarquezCursor.safeParse(req.cursor);
  return parsed.success ? parsed.data : { mode: 'events', after: req.since.toISOString(), offset: 0 };
}

/** The events walk from the start of `from`'s window: where a runs walk hands over when it ends. */
export const eventsFrom = (after: string): EventsCursor => ({ mode: 'events', after, offset: 0 });

/**
 * Where the events walk goes after a page of `read` events answered at `cur`, given the event
 * times it could read (ms; an event whose time is unreadable still counts in `read`).
 *
 * The next page starts again at the page's latest millisecond rather than after it: an event
 * that lands at that very time between two calls, or that PostgreSQL orders differently among
 * equal times on the next query, is then read, at the price of re-reading the page's last
 * event. Only when the whole page sits on `after` does the offset grow, so that more events on
 * one millisecond than fit a page are still walked through.
 */
export function nextEventsCursor(cur: EventsCursor, times: readonly number[], read: number): EventsCursor {
  const latest = times.reduce((max, t) => (t > max ? t : max), Number.NEGATIVE_INFINITY);
  const at = Number.isFinite(latest) ? new Date(latest).toISOString() : cur.after;
  if (at > cur.after) return { mode: 'events', after: at, offset: 0 };
  return { mode: 'events', after: cur.after, offset: cur.offset + read };
}

/** Past a page that could not be read: its events are skipped, as the engine records. */
export const skipEventsPage = (cur: EventsCursor, limit: number): EventsCursor => ({ ...cur, offset: cur.offset + limit });
