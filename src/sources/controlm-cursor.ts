/**
 * Where a Control-M pass resumes, and what the next pass emits.
 *
 * `/run/jobs/status` shows the active environment: each job order once, with its latest run.
 * It cannot be asked what changed since a time, so every pass reads the whole of it (in slices,
 * controlm-slices.ts) and emits only the jobs that can have changed: those whose latest start
 * or end is at or after `from`. Job times are the server's wall clock with no zone, which the
 * puller does not know; `from` is therefore a wall-clock reading too, written as if it were
 * UTC, and taken from the server's own times, never from Medic's clock.
 *
 * - `from`: null on the first pass (everything ordered since `since` is emitted); then a lower
 *   bound on the server's wall clock when the previous pass began (`wallAtStart`), less
 *   {@link OVERLAP_MS}. Any job that started or ended after that pass began is emitted.
 * - `wallAtStart`: from each answer, its latest job time less the time elapsed since the pass
 *   began; the greatest of these. A job time is never ahead of the server's clock when it was
 *   read, so this never passes the wall clock at the pass's start.
 * - `skipped`: a slice could not be read (or not whole); the next pass keeps this one's `from`.
 * - `todo`: the slices left, next first; empty when the pass is done.
 */
import { z } from 'zod';
import { dayOf, roots, type Slice } from './controlm-slices.ts';
import type { PullRequest } from './puller.ts';

/**
 * How far back of the estimated wall clock the next pass reaches: job times come from the
 * agents' clocks, which may run a little ahead of the server's. @defaultValue 15 min
 */
export const OVERLAP_MS = 15 * 60_000;

const Instant = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date-time').transform((s) => new Date(s).toISOString());
const Day = z.string().regex(/^\d{6}$/);

export const ControlmCursor = z.strictObject({
  v: z.literal(1),
  from: Instant.nullable(),
  passStart: Instant,
  wallAtStart: Instant.nullable(),
  skipped: z.boolean(),
  todo: z.array(z.strictObject({ folder: z.string().nullable(), from: Day.nullable(), to: Day.nullable(), status: z.string().nullable() })),
});
export type ControlmCursor = z.infer<typeof ControlmCursor>;

const DAY = 86_400_000;

/** Whether `todo` reads the folders configured now (a changed configuration starts a new pass). */
const matches = (todo: readonly Slice[], folders: readonly string[]) =>
  todo.every((s) => (folders.length === 0 ? s.folder === null : s.folder !== null && folders.includes(s.folder)));

/**
 * The cursor to go on from: the stored one part way through a pass, or the start of a new
 * pass. A cursor this puller did not write starts over as a first pass: re-reading is safe,
 * ingest being idempotent, and skipping is not.
 */
export function startingCursor(req: PullRequest, folders: readonly string[]): ControlmCursor {
  const passStart = req.now.toISOString();
  const parsed = ControlmCursor.safeParse(req.cursor);
  if (!parsed.success) {
    // The server's order date may be a day behind UTC's: a day more, rather than one less.
    return { v: 1, from: null, passStart, wallAtStart: null, skipped: false, todo: roots(folders, dayOf(req.since.getTime() - DAY)) };
  }
  const prev = parsed.data;
  if (prev.todo.length > 0 && matches(prev.todo, folders)) return prev;
  const done = prev.todo.length === 0 && !prev.skipped && prev.wallAtStart !== null;
  const from = done ? new Date(Date.parse(prev.wallAtStart ?? '') - OVERLAP_MS).toISOString() : prev.from;
  return { v: 1, from, passStart, wallAtStart: null, skipped: false, todo: roots(folders, null) };
}

/** `wallAtStart` after an answer whose latest job time is `latest` (wall clock as UTC ms), read `elapsed` ms into the pass. */
export function wallAfter(wallAtStart: string | null, latest: number | undefined, elapsed: number): string | null {
  if (latest === undefined) return wallAtStart;
  const estimate = new Date(latest - Math.max(0, elapsed)).toISOString();
  return wallAtStart === null || estimate > wallAtStart ? estimate : wallAtStart;
}
