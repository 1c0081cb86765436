import type { Queryable } from '../db/pool.ts';
import { datasetsReadBy } from './sql.ts';
import type { TraceDatasetVersion, TraceRead, TraceRun } from './types.ts';

/** A dataset version as the store holds it. */
export interface VersionRow extends TraceDatasetVersion {
  observedAt: Date;
}

/** Where a trace reads dataset versions from. */
export interface DatasetLookup {
  /** What these runs wrote. */
  writtenBy(runs: { jobId: number; runKey: string }[]): Promise<(VersionRow & { jobId: number; runKey: string })[]>;
  /** For each dataset, the newest version written before the time given with it. */
  latestBefore(reads: { dataset: string; before: Date }[]): Promise<(VersionRow & { before: Date })[]>;
}

interface ReadsInput {
  db: Queryable;
  known: Map<string, { id: number }>;
  runs: Map<string, TraceRun>;
  start: Date;
}

/**
 * What each run of the instance wrote, and what it read: the version of each input it met when it
 * started, which is stale when this instance's writer of that input ended after that start.
 */
export async function readsOf(lookup: DatasetLookup, input: ReadsInput): Promise<{ reads: Map<string, TraceRead[]>; writes: Map<string, TraceDatasetVersion[]> }> {
  const { known, runs } = input;
  const jobOf = new Map([...known].map(([name, j]) => [j.id, name]));
  const withRun = [...runs].flatMap(([job, r]) => {
    const id = known.get(job)?.id;
    return id === undefined ? [] : [{ job, id, run: r }];
  });
  const [written, inputs] = await Promise.all([
    lookup.writtenBy(withRun.map((x) => ({ jobId: x.id, runKey: x.run.runKey }))),
    datasetsReadBy(input.db, withRun.filter((x) => x.run.startedAt !== null).map((x) => x.id)),
  ]);
  const writes = new Map<string, TraceDatasetVersion[]>();
  // This instance's writer of each dataset, and when its write ended (null while it runs).
  const writerEnd = new Map<string, { job: string; end: number | null }>();
  for (const w of written) {
    const job = jobOf.get(w.jobId);
    if (!job) continue;
    writes.set(job, [...(writes.get(job) ?? []), strip(w)]);
  }
  for (const x of withRun) {
    for (const v of writes.get(x.job) ?? []) writerEnd.set(v.dataset, { job: x.job, end: x.run.endedAt ? Date.parse(x.run.endedAt) : null });
  }
  const wanted = inputs.flatMap((i) => {
    const job = jobOf.get(Number(i.job_id));
    const started = job ? runs.get(job)?.startedAt : null;
    return job && started ? [{ job, dataset: i.dataset, before: new Date(started) }] : [];
  });
  const versions = await lookup.latestBefore(wanted.map(({ dataset, before }) => ({ dataset, before })));
  const found = new Map(versions.map((v) => [`${v.dataset}\u0000${v.before.getTime()}`, v]));
  const reads = new Map<string, TraceRead[]>();
  for (const w of wanted) {
    const v = found.get(`${w.dataset}\u0000${w.before.getTime()}`);
    const due = writerEnd.get(w.dataset);
    const stale = due !== undefined && due.job !== w.job && (due.end === null || due.end > w.before.getTime());
    const read: TraceRead = v ? { ...strip(v), stale } : {
      dataset: w.dataset, writer: null, writtenAt: null, rowCount: null, bytes: null, expectedRows: null, quality: null, suspect: false, share: null, assessment: null, stale,
    };
    reads.set(w.job, [...(reads.get(w.job) ?? []), read]);
  }
  return { reads, writes };
}

function strip(v: VersionRow): TraceDatasetVersion {
  return {
    dataset: v.dataset, writer: v.writer, writtenAt: v.writtenAt, rowCount: v.rowCount, bytes: v.bytes,
    expectedRows: v.expectedRows, quality: v.quality, suspect: v.suspect, share: v.share, assessment: v.assessment,
  };
}
