/**
 * Where an Argo pass resumes, and what the next pass reads.
 *
 * A pass lists the live workflows of each namespace, then the archived ones, and emits those
 * that can have changed since the last pass: every workflow not finished, and every one that
 * finished at or after `from`. The archive is listed from `archivedFrom` (its only time filter
 * is on `startedAt`): early enough to reach a workflow that was still running at the last pass
 * and has been archived, and deleted from the cluster, since.
 *
 * - `from`: the previous pass's start less {@link OVERLAP_MS}; `since` on the first pass.
 * - `archivedFrom`: the earlier of `from` and `openSince` of the previous pass.
 * - `openSince`: the earliest start among workflows this pass saw unfinished.
 * - `skipped`: a page of this pass could not be read; the next pass keeps this one's bounds,
 *   so what that page held is read again rather than lost.
 * - `at`: the listing and position: a live listing's continue token, or the archive's
 *   `startedAt` upper bound and offset below it (see `nextArchived`).
 */
import { z } from 'zod';
import type { PullRequest } from './puller.ts';

/**
 * How far back of the previous pass's start the next one reaches: workflow times come from the
 * controller's clock, the pass's start from Medic's, and a Kubernetes chunked listing is a
 * snapshot taken at its first page. @defaultValue 10 min
 */
export const OVERLAP_MS = 10 * 60_000;

const Instant = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date-time').transform((s) => new Date(s).toISOString());

const At = z.discriminatedUnion('phase', [
  z.strictObject({ phase: z.literal('live'), namespace: z.string(), continue: z.string().nullable() }),
  z.strictObject({ phase: z.literal('archived'), namespace: z.string(), before: Instant.nullable(), offset: z.number().int().min(0) }),
  z.strictObject({ phase: z.literal('done') }),
]);
export type At = z.infer<typeof At>;

export const ArgoCursor = z.strictObject({
  v: z.literal(1),
  from: Instant,
  archivedFrom: Instant,
  passStart: Instant,
  openSince: Instant.nullable(),
  skipped: z.boolean(),
  at: At,
});
export type ArgoCursor = z.infer<typeof ArgoCursor>;

const iso = (ms: number) => new Date(ms).toISOString();
const earliest = (...times: (string | null)[]) => iso(Math.min(...times.filter((t): t is string => t !== null).map((t) => Date.parse(t))));

/** The namespaces a pass walks; '' is all of them (the API's all-namespace listing). */
export const namespacesOf = (configured: readonly string[]): string[] => (configured.length > 0 ? [...configured] : ['']);

/**
 * The cursor to go on from: the stored one part way through a pass, or the start of a new
 * pass. A cursor this puller did not write restarts at `since`: re-reading is safe, ingest
 * being idempotent, and skipping is not. One stopped in a namespace no longer configured
 * goes on from the pass's first listing, its bounds kept.
 */
export function startingCursor(req: PullRequest, namespaces: readonly string[]): ArgoCursor {
  const parsed = ArgoCursor.safeParse(req.cursor);
  const first: At = { phase: 'live', namespace: namespaces[0] ?? '', continue: null };
  const now = req.now.toISOString();
  if (!parsed.success) {
    const since = req.since.toISOString();
    return { v: 1, from: since, archivedFrom: since, passStart: now, openSince: null, skipped: false, at: first };
  }
  const prev = parsed.data;
  if (prev.at.phase !== 'done') return namespaces.includes(prev.at.namespace) ? prev : { ...prev, at: first };
  const from = prev.skipped ? prev.from : iso(Date.parse(prev.passStart) - OVERLAP_MS);
  const open = prev.openSince === null ? null : iso(Date.parse(prev.openSince) - OVERLAP_MS);
  const archivedFrom = earliest(from, open, prev.skipped ? prev.archivedFrom : null);
  return { v: 1, from, archivedFrom, passStart: now, openSince: null, skipped: false, at: first };
}

/** The listing after `at`: live namespaces in order, then archived ones, then done. */
export function nextListing(at: Exclude<At, { phase: 'done' }>, namespaces: readonly string[]): At {
  const i = namespaces.indexOf(at.namespace);
  const following = namespaces[i + 1];
  if (following !== undefined) {
    return at.phase === 'live' ? { phase: 'live', namespace: following, continue: null } : { phase: 'archived', namespace: following, before: null, offset: 0 };
  }
  if (at.phase === 'live') return { phase: 'archived', namespace: namespaces[0] ?? '', before: null, offset: 0 };
  return { phase: 'done' };
}

/** `openSince` after seeing workflows unfinished since `starts` (ms). */
export function openAfter(openSince: string | null, starts: readonly number[]): string | null {
  if (starts.length === 0) return openSince;
  const least = iso(Math.min(...starts));
  return openSince === null || least < openSince ? least : openSince;
}

/**
 * Where the archive listing goes after a page of `count` workflows, given the start times it
 * could read (ms), when the server says there is more.
 *
 * The archive is listed newest start first, and an offset into that order would shift as
 * workflows are archived or deleted meanwhile. So the next page asks for starts up to the last
 * millisecond of the page's oldest second, from its beginning: that second is read again
 * (duplicates, never gaps). The bound is the same whether the server reads `<` as strict
 * (Argo before 3.5) or not (3.5 on), start times having whole seconds. Only when the whole
 * page sits in that one second does the offset grow, to walk a second holding more workflows
 * than fit a page.
 */
export function nextArchived(at: Extract<At, { phase: 'archived' }>, starts: readonly number[], count: number): Extract<At, { phase: 'archived' }> {
  if (starts.length === 0) return { ...at, offset: at.offset + count };
  const oldest = Math.floor(Math.min(...starts) / 1000) * 1000;
  const before = iso(oldest + 999);
  if (before === at.before) return { ...at, offset: at.offset + count };
  const allInOldestSecond = starts.length === count && starts.every((t) => Math.floor(t / 1000) * 1000 === oldest);
  return { ...at, before, offset: allInOldestSecond ? count : 0 };
}

/** Past an archive page that could not be read: its workflows are skipped, as the engine records. */
export const skipArchivedPage = (at: Extract<At, { phase: 'archived' }>, limit: number): Extract<At, { phase: 'archived' }> => ({ ...at, offset: at.offset + limit });

/** A lower bound as Argo's field selectors take it: RFC 3339, rounded down to the second. */
export const selectorTime = (instant: string): string => new Date(Math.floor(Date.parse(instant) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
