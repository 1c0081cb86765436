import type { Queryable } from '../db/pool.ts';
import { latestVersionsBefore, versionsWrittenBy, type DatasetVersion } from '../datasets/sql.ts';
import type { DatasetLookup, VersionRow } from './reads.ts';

/** A stored version as a trace shows it: the writer by name, the judgment as its sentence. */
function asTraced(v: DatasetVersion): VersionRow {
  return {
    dataset: v.dataset, writer: { job: v.writer.job, runKey: v.writer.runKey }, writtenAt: v.observedAt.toISOString(), observedAt: v.observedAt,
    rowCount: v.rowCount === null ? null : Number(v.rowCount), bytes: v.bytes === null ? null : Number(v.bytes),
    expectedRows: v.expectedRows === null ? null : Number(v.expectedRows),
    quality: v.quality as Record<string, unknown> | null, suspect: v.suspect, assessment: v.assessment?.detail ?? null,
    share: v.assessment?.share == null ? null : v.assessment.share / 100,
  };
}

/** Dataset versions from the store, as the trace reads them. */
export function datasetLookup(db: Queryable): DatasetLookup {
  return {
    writtenBy: async (runs) => (await versionsWrittenBy(db, runs)).map((v) => ({ ...asTraced(v), jobId: Number(v.writer.jobId), runKey: v.writer.runKey })),
    latestBefore: async (reads) => (await latestVersionsBefore(db, reads)).map((v) => ({ ...asTraced(v), before: v.before })),
  };
}
