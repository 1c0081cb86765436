import type { Queryable } from '../db/pool.ts';
import { upsertDatasetStats } from './dataset-stats-sql.ts';
import { jobKeyOf } from './fold.ts';
import type { NormalizedRunEvent } from './schema.ts';

/** A batch's dataset sizes, one per dataset, writing job and run: the latest the batch holds. */
export interface DatasetStatBatch {
  rows: { jobKey: string; dataset: string; runKey: string; rowCount: number | null; bytes: number | null; observedAt: Date }[];
}

/**
 * Gathers the sizes the events report, deduplicated in memory so that the SQL sees each key
 * once; undefined when no event reports one, which is the common case and then costs nothing.
 */
export function collectDatasetStats(events: NormalizedRunEvent[]): DatasetStatBatch | undefined {
  const rows = new Map<string, DatasetStatBatch['rows'][number]>();
  for (const e of events) {
    if (!e.outputStats) continue;
    const jobKey = jobKeyOf(e);
    for (const s of e.outputStats) {
      const key = `${jobKey}\u0000${e.run.runKey}\u0000${s.dataset}`;
      const known = rows.get(key);
      if (known && known.observedAt >= e.eventTime) continue;
      rows.set(key, { jobKey, dataset: s.dataset, runKey: e.run.runKey, rowCount: s.rowCount ?? null, bytes: s.bytes ?? null, observedAt: e.eventTime });
    }
  }
  return rows.size === 0 ? undefined : { rows: [...rows.values()] };
}

/** Writes a batch's dataset sizes inside the ingest transaction, given the ids of the jobs that wrote them. */
export async function writeDatasetStats(tx: Queryable, batch: DatasetStatBatch, jobId: (jobKey: string) => number): Promise<void> {
  await upsertDatasetStats(tx, batch.rows.map(({ jobKey, ...r }) => ({ ...r, jobId: jobId(jobKey) })));
}
