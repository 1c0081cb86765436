import type { Queryable } from '../db/pool.ts';
import type { SizeAssessment, SizeObservation } from './completeness.ts';
import type { DataQuality } from './schema.ts';

/** What one run said of a dataset it read. */
export interface DatasetReadRow {
  dataset: string;
  jobId: number;
  runKey: string;
  rowCount: number | null;
  bytes: number | null;
  quality: DataQuality | null;
  observedAt: Date;
}

/** One version of a dataset: what one run of its writer reported it wrote. */
export interface DatasetStatRow extends DatasetReadRow {
  expectedRows: number | null;
}

/** How many earlier versions a new one is judged against: as many as a preflight reads. */
const HISTORY = 60;

type Column = [name: string, type: string, values: unknown[]];

/**
 * Records observations keyed by dataset, job and run: a later observation of the same run (the
 * retry that completed after a failed partial write) replaces an earlier one, anything else is
 * kept as stored. One already known is skipped before the insert, so that a redelivered event
 * writes and locks nothing; keys are taken in one order, so that concurrent batches do not
 * deadlock. Rows must be unique per key.
 */
async function upsertObserved<R extends object>(db: Queryable, table: 'dataset_stats' | 'dataset_reads', rows: DatasetReadRow[], extra: Column[], returning = ''): Promise<R[]> {
  const columns: Column[] = [
    ['dataset', 'text', rows.map((r) => r.dataset)],
    ['job_id', 'bigint', rows.map((r) => r.jobId)],
    ['run_key', 'text', rows.map((r) => r.runKey)],
    ['row_count', 'bigint', rows.map((r) => r.rowCount)],
    ['bytes', 'bigint', rows.map((r) => r.bytes)],
    ['quality', 'jsonb', rows.map((r) => (r.quality === null ? null : JSON.stringify(r.quality)))],
    ['observed_at', 'timestamptz', rows.map((r) => r.observedAt.toISOString())],
    ...extra,
  ];
  const names = columns.map(([n]) => n);
  const r = await db.query<R>(
    `insert into ${table} as s (${names.join(', ')})
     select * from unnest(${columns.map(([, t], i) => `$${i + 1}::${t}[]`).join(', ')}) as x(${names.join(', ')})
     where not exists (select 1 from ${table} k where k.dataset = x.dataset and k.job_id = x.job_id
                       and k.run_key = x.run_key and k.observed_at >= x.observed_at)
     order by 1, 2, 3
     on conflict (dataset, job_id, run_key) do update
       set ${names.slice(3).map((n) => `${n} = excluded.${n}`).join(', ')}
       where excluded.observed_at > s.observed_at
     ${returning}`,
    columns.map(([, , values]) => values),
  );
  return r.rows;
}

/** Records what readers saw of their inputs. */
export async function upsertDatasetReads(db: Queryable, rows: DatasetReadRow[]): Promise<void> {
  await upsertObserved(db, 'dataset_reads', rows, []);
}

/** A version as written, to be judged. */
export type WrittenVersion = Omit<DatasetStatRow, 'quality'>;

/** Records dataset versions; returns those written now (new, or a later observation of their run). */
export async function upsertDatasetStats(db: Queryable, rows: DatasetStatRow[]): Promise<WrittenVersion[]> {
  const written = await upsertObserved<{ dataset: string; job_id: number; run_key: string; row_count: number | null; bytes: number | null; observed_at: Date; expected_rows: number | null }>(
    db, 'dataset_stats', rows, [['expected_rows', 'bigint', rows.map((r) => r.expectedRows)]],
    'returning dataset, job_id, run_key, row_count, bytes, observed_at, expected_rows',
  );
  return written.map((w) => ({
    dataset: w.dataset, jobId: w.job_id, runKey: w.run_key, rowCount: w.row_count, bytes: w.bytes, observedAt: w.observed_at, expectedRows: w.expected_rows,
  }));
}

/**
 * For each version, the sizes of its dataset's versions observed before it, newest first (the
 * newest 60): one index range per version, in one round trip for the whole batch. Versions the
 * batch wrote earlier in its transaction count, so a batch of several days judges each against
 * the days before it.
 */
export async function priorSizes(db: Queryable, versions: Pick<WrittenVersion, 'dataset' | 'observedAt'>[]): Promise<SizeObservation[][]> {
  const r = await db.query<{ i: number; row_count: number | null; bytes: number | null; observed_at: Date }>(
    `select x.i, h.row_count, h.bytes, h.observed_at
     from unnest($1::text[], $2::timestamptz[]) with ordinality as x(dataset, observed_at, i)
     cross join lateral (select s.row_count, s.bytes, s.observed_at from dataset_stats s
                         where s.dataset = x.dataset and s.observed_at < x.observed_at and (s.row_count is not null or s.bytes is not null)
                         order by s.observed_at desc limit $3) h
     order by x.i, h.observed_at desc`,
    [versions.map((v) => v.dataset), versions.map((v) => v.observedAt.toISOString()), HISTORY],
  );
  const out: SizeObservation[][] = versions.map(() => []);
  for (const h of r.rows) out[h.i - 1]?.push({ rows: h.row_count, bytes: h.bytes, at: h.observed_at });
  return out;
}

/** Stores each version's judgment with it. */
export async function recordAssessments(db: Queryable, versions: (Pick<WrittenVersion, 'dataset' | 'jobId' | 'runKey'> & { suspect: boolean; assessment: SizeAssessment })[]): Promise<void> {
  await db.query(
    `update dataset_stats s set suspect = x.suspect, assessment = x.assessment
     from unnest($1::text[], $2::bigint[], $3::text[], $4::boolean[], $5::jsonb[]) as x(dataset, job_id, run_key, suspect, assessment)
     where s.dataset = x.dataset and s.job_id = x.job_id and s.run_key = x.run_key`,
    [versions.map((v) => v.dataset), versions.map((v) => v.jobId), versions.map((v) => v.runKey), versions.map((v) => v.suspect),
      versions.map((v) => JSON.stringify(v.assessment))],
  );
}
