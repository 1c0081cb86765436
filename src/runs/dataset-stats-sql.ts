import type { Queryable } from '../db/pool.ts';

/** One dataset's size as one run of its writer reported it. */
export interface DatasetStatRow {
  dataset: string;
  jobId: number;
  runKey: string;
  rowCount: number | null;
  bytes: number | null;
  observedAt: Date;
}

/**
 * Records dataset sizes, one row per dataset, writer and run: a later observation of the same
 * run (the retry that completed after a failed partial write) replaces an earlier one, anything
 * else is kept as stored. A size already known is skipped before the insert, so that a
 * redelivered event writes and locks nothing. Rows must be unique per key.
 */
export async function upsertDatasetStats(db: Queryable, rows: DatasetStatRow[]): Promise<void> {
  await db.query(
    `insert into dataset_stats as s (dataset, job_id, run_key, row_count, bytes, observed_at)
     select * from unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::timestamptz[])
       as x(dataset, job_id, run_key, row_count, bytes, observed_at)
     where not exists (select 1 from dataset_stats k where k.dataset = x.dataset and k.job_id = x.job_id
                       and k.run_key = x.run_key and k.observed_at >= x.observed_at)
     order by 1, 2, 3
     on conflict (dataset, job_id, run_key) do update
       set row_count = excluded.row_count, bytes = excluded.bytes, observed_at = excluded.observed_at
       where excluded.observed_at > s.observed_at`,
    [rows.map((r) => r.dataset), rows.map((r) => r.jobId), rows.map((r) => r.runKey), rows.map((r) => r.rowCount),
      rows.map((r) => r.bytes), rows.map((r) => r.observedAt.toISOString())],
  );
}
