/**
 * How a pass narrows `/run/jobs/status` when an answer is cut short.
 *
 * The API returns at most `limit` jobs (the server may hold it lower) and says so only by
 * `total` exceeding what came back; it has no page token or start index. So a pass reads
 * slices of the active environment, each one query: per configured folder glob, and, when a
 * slice's answer is truncated, halves of its order-date range (YYMMDD, `orderDateFrom` /
 * `orderDateTo`, inclusive) down to one day, then that day per status. Every job has one order
 * date and one status, so the children of a slice hold exactly its jobs. A day and status that
 * still holds more than one answer can carry is read as far as it goes and reported.
 *
 * Order dates are used rather than `fromTime` / `toTime` because a job's order date never
 * changes, while its times change as it runs again.
 */

/** One query's filters; null means not filtered on. */
export interface Slice {
  folder: string | null;
  from: string | null;
  to: string | null;
  status: string | null;
}

/** Control-M's job statuses (Automation API, `JobStatus`). */
export const STATUSES = ['Ended OK', 'Ended Not OK', 'Executing', 'Wait Condition', 'Wait User', 'Wait Resource', 'Wait Host', 'Wait Workload', 'Status Unknown'];

/** How far back of today an order-date range open at its start is first cut. @defaultValue 62 days */
export const OPEN_RANGE_DAYS = 62;

const DAY = 86_400_000;

/** The YYMMDD of a time, in UTC. */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(2, 10).replace(/-/g, '');
const msOf = (day: string): number => Date.UTC(2000 + Number(day.slice(0, 2)), Number(day.slice(2, 4)) - 1, Number(day.slice(4, 6)));
const plusDays = (day: string, n: number): string => dayOf(msOf(day) + n * DAY);

/** The slices a pass starts with: one per folder glob (or one for all), from `from` on. */
export function roots(folders: readonly string[], from: string | null): Slice[] {
  return (folders.length > 0 ? folders : [null]).map((folder) => ({ folder, from, to: null, status: null }));
}

/**
 * The slices `s` divides into, or undefined when it cannot be narrowed further. `now` (ms)
 * places the open ends: the server's order date may be a day ahead of UTC's.
 */
export function split(s: Slice, now: number): Slice[] | undefined {
  if (s.status !== null) return undefined;
  const byStatus = (): Slice[] => STATUSES.map((status) => ({ ...s, status }));
  const tomorrow = dayOf(now + DAY);
  if (s.from !== null && s.to !== null) {
    if (s.from >= s.to) return byStatus();
    const mid = plusDays(s.from, Math.floor((msOf(s.to) - msOf(s.from)) / DAY / 2));
    return [{ ...s, to: mid }, { ...s, from: plusDays(mid, 1) }];
  }
  if (s.from !== null) return s.from > tomorrow ? byStatus() : [{ ...s, to: tomorrow }, { ...s, from: plusDays(tomorrow, 1) }];
  if (s.to !== null) return byStatus();
  const cut = dayOf(now - OPEN_RANGE_DAYS * DAY);
  return [{ ...s, to: plusDays(cut, -1) }, { ...s, from: cut }];
}

/** The query of a slice. */
export function sliceQuery(s: Slice, limit: number): Record<string, string | number> {
  return {
    ...(s.folder === null ? {} : { folder: s.folder }),
    ...(s.from === null ? {} : { orderDateFrom: s.from }),
    ...(s.to === null ? {} : { orderDateTo: s.to }),
    ...(s.status === null ? {} : { status: s.status }),
    limit,
  };
}

/** A slice in words, for a report. */
export function describeSlice(s: Slice): string {
  const parts = [
    s.folder === null ? 'all folders' : `folder ${s.folder}`,
    s.from === s.to && s.from !== null ? `order date ${s.from}` : `order dates ${s.from ?? '…'} to ${s.to ?? '…'}`,
    ...(s.status === null ? [] : [`status "${s.status}"`]),
  ];
  return parts.join(', ');
}
