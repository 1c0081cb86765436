import type { Queryable } from '../db/pool.ts';
import { assessSize, isSuspect } from './completeness.ts';
import { priorSizes, recordAssessments, upsertDatasetReads, upsertDatasetStats, type DatasetReadRow, type DatasetStatRow } from './dataset-stats-sql.ts';
import { jobKeyOf } from './fold.ts';
import type { DatasetObservation, NormalizedRunEvent } from './schema.ts';

type Keyed<T> = Omit<T, 'jobId'> & { jobKey: string };

/**
 * A batch's dataset observations, each the latest the batch holds for its dataset, job and run:
 * `rows` what writers wrote (the versions), `reads` what readers saw of their inputs.
 */
export interface DatasetStatBatch {
  rows: Keyed<DatasetStatRow>[];
  reads: Keyed<DatasetReadRow>[];
}

function latest<T extends { jobKey: string; runKey: string; dataset: string; observedAt: Date }>(into: Map<string, T>, row: T): void {
  const key = `${row.jobKey}\u0000${row.runKey}\u0000${row.dataset}`;
  const known = into.get(key);
  if (!known || known.observedAt < row.observedAt) into.set(key, row);
}

const observation = (s: DatasetObservation) => ({ rowCount: s.rowCount ?? null, bytes: s.bytes ?? null, quality: s.quality ?? null });

/**
 * Gathers the sizes the events report, deduplicated in memory so that the SQL sees each key
 * once; undefined when no event reports one, which is the common case and then costs nothing.
 */
export function collectDatasetStats(events: NormalizedRunEvent[]): DatasetStatBatch | undefined {
  const rows = new Map<string, DatasetStatBatch['rows'][number]>();
  const reads = new Map<string, DatasetStatBatch['reads'][number]>();
  for (const e of events) {
    if (!e.outputStats && !e.inputStats) continue;
    const at = { jobKey: jobKeyOf(e), runKey: e.run.runKey, observedAt: e.eventTime };
    for (const s of e.outputStats ?? []) latest(rows, { ...at, dataset: s.dataset, ...observation(s), expectedRows: s.expectedRows ?? null });
    for (const s of e.inputStats ?? []) latest(reads, { ...at, dataset: s.dataset, ...observation(s) });
  }
  return rows.size + reads.size === 0 ? undefined : { rows: [...rows.values()], reads: [...reads.values()] };
}

/**
 * Writes a batch's observations inside the ingest transaction, given the ids of the jobs that made
 * them, and judges each version it wrote against the dataset's versions before it; returns how
 * many it found suspect. A version is judged against what the store knew at ingest: a backfill
 * that brings older versions later does not revisit the versions judged before it came.
 */
export async function writeDatasetStats(tx: Queryable, batch: DatasetStatBatch, jobId: (jobKey: string) => number): Promise<number> {
  const withIds = <T extends { jobKey: string }>({ jobKey, ...r }: T) => ({ ...r, jobId: jobId(jobKey) });
  if (batch.reads.length > 0) await upsertDatasetReads(tx, batch.reads.map(withIds));
  if (batch.rows.length === 0) return 0;
  const written = await upsertDatasetStats(tx, batch.rows.map(withIds));
  if (written.length === 0) return 0;
  const history = await priorSizes(tx, written);
  const judged = written.map((v, i) => {
    const assessment = assessSize({ rows: v.rowCount, bytes: v.bytes, at: v.observedAt, expectedRows: v.expectedRows }, history[i] ?? []);
    return { ...v, suspect: isSuspect(assessment), assessment };
  });
  await recordAssessments(tx, judged);
  return judged.filter((v) => v.suspect).length;
}
