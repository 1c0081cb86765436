/**
 * Which jobs of a `/run/jobs/status` answer a pass emits, and the latest job time it shows
 * (the server's wall clock, see controlm-cursor.ts).
 */
import { controlmTime } from '../ingest/controlm.ts';
import { isObject } from './controlm-http.ts';

export interface Chosen {
  items: unknown[];
  /** The latest start or end among all the answer's jobs, wall clock as UTC ms. */
  latest: number | undefined;
  bad: { field: string; detail: string }[];
}

/** A job's start and end read as wall-clock times (UTC standing in for the unknown zone). */
function timesOf(job: Record<string, unknown>): { latest: number | undefined; unreadable: boolean } {
  let latest: number | undefined;
  let unreadable = false;
  for (const text of [job.startTime, job.endTime]) {
    const t = controlmTime(typeof text === 'string' ? text : undefined, 'UTC');
    if (t === 'unreadable') unreadable = true;
    else if (t !== undefined) latest = Math.max(latest ?? t.getTime(), t.getTime());
  }
  return { latest, unreadable };
}

/**
 * Keeps the jobs in a folder `keep` accepts that can have changed since `from` (all when it is
 * null): those started or ended since, and those whose times cannot be read, which ingest then
 * reports. A job that has neither started nor ended has nothing to say yet and is left for a
 * later pass.
 */
export function choose(statuses: readonly unknown[], from: string | null, keep: ((folder: string) => boolean) | undefined): Chosen {
  const since = from === null ? undefined : Date.parse(from);
  const chosen: Chosen = { items: [], latest: undefined, bad: [] };
  statuses.forEach((job, i) => {
    if (!isObject(job) || typeof job.jobId !== 'string' || job.jobId === '') {
      return void chosen.bad.push({ field: `statuses[${i}].jobId`, detail: 'the item is not a job: it has no jobId' });
    }
    const { latest, unreadable } = timesOf(job);
    if (latest !== undefined) chosen.latest = Math.max(chosen.latest ?? latest, latest);
    // The server may read a folder wildcard otherwise than Medic does: the configuration decides.
    if (keep && !(typeof job.folder === 'string' && keep(job.folder))) return;
    if (since === undefined || unreadable || (latest !== undefined && latest >= since)) chosen.items.push(job);
  });
  return chosen;
}
