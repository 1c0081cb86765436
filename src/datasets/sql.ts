/**
 * Glossary: a *dataset* is named `namespace/name`, as OpenLineage names it; a *version* is what
 * one run of a writer reported it left in the dataset (rows, bytes, expected rows, quality
 * metrics) and how that size was judged at ingest; a *read* is what one run of a reader reported
 * it met.
 */
import type { Queryable } from '../db/pool.ts';
import type { SizeAssessment } from '../runs/completeness.ts';
import type { DataQuality } from '../runs/schema.ts';

/** The run that wrote or read a dataset; `job` is `namespace/name`. */
export interface DatasetRun {
  jobId: number;
  job: string;
  runKey: string;
}

/** One version of a dataset. */
export interface DatasetVersion {
  dataset: string;
  writer: DatasetRun;
  /** When its writer's run reported it: the end of the write. */
  observedAt: Date;
  rowCount: number | null;
  bytes: number | null;
  expectedRows: number | null;
  quality: DataQuality | null;
  /** Short or large against the versions before it, or under its expected rows. */
  suspect: boolean;
  /** The judgment at ingest; null for a version stored before Medic judged versions. */
  assessment: SizeAssessment | null;
}

/** What one run reported of a dataset it read. */
export interface DatasetRead {
  dataset: string;
  reader: DatasetRun;
  observedAt: Date;
  rowCount: number | null;
  bytes: number | null;
  quality: DataQuality | null;
}

const run = (alias: string) => `json_build_object('jobId', j.id, 'job', j.namespace || '/' || j.name, 'runKey', ${alias}.run_key)`;
const OBSERVED = (alias: string) => `${alias}.dataset, ${alias}.observed_at as "observedAt", ${alias}.row_count as "rowCount", ${alias}.bytes, ${alias}.quality`;
const VERSION = `${OBSERVED('s')}, ${run('s')} as writer, s.expected_rows as "expectedRows", s.suspect, s.assessment
  from dataset_stats s join jobs j on j.id = s.job_id`;

/** Whether Medic has seen the dataset at all: in lineage, as a version or as a read. */
export async function datasetKnown(db: Queryable, dataset: string): Promise<boolean> {
  const r = await db.query<{ known: boolean }>(
    `select exists (select 1 from job_datasets where dataset = $1) or exists (select 1 from dataset_stats where dataset = $1)
            or exists (select 1 from dataset_reads where dataset = $1) as known`,
    [dataset],
  );
  return r.rows[0]?.known ?? false;
}

/** A job that writes or reads a dataset, as lineage learned it. */
export interface DatasetJob {
  jobId: number;
  job: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

/** The jobs that write (`output`) and read (`input`) a dataset, by name. */
export async function datasetJobs(db: Queryable, dataset: string): Promise<{ writers: DatasetJob[]; readers: DatasetJob[] }> {
  const r = await db.query<DatasetJob & { direction: 'input' | 'output' }>(
    `select d.direction, j.id as "jobId", j.namespace || '/' || j.name as job, d.first_seen_at as "firstSeenAt", d.last_seen_at as "lastSeenAt"
     from job_datasets d join jobs j on j.id = d.job_id where d.dataset = $1 order by j.namespace, j.name`,
    [dataset],
  );
  const jobs = (direction: string) => r.rows.filter((x) => x.direction === direction).map(({ direction: _, ...j }) => j);
  return { writers: jobs('output'), readers: jobs('input') };
}

/** A page of newest-first rows: those observed before `before`, `limit` at most. */
export interface Page {
  before: Date | null;
  limit: number;
}

/** A dataset's versions, newest first. */
export async function datasetVersions(db: Queryable, dataset: string, page: Page): Promise<DatasetVersion[]> {
  const r = await db.query<DatasetVersion>(
    `select ${VERSION} where s.dataset = $1 and ($2::timestamptz is null or s.observed_at < $2)
     order by s.observed_at desc, j.id, s.run_key limit $3`,
    [dataset, page.before?.toISOString() ?? null, page.limit],
  );
  return r.rows;
}

/** What the dataset's readers reported of it, newest first. */
export async function datasetReads(db: Queryable, dataset: string, page: Page): Promise<DatasetRead[]> {
  const r = await db.query<DatasetRead>(
    `select ${OBSERVED('r')}, ${run('r')} as reader from dataset_reads r join jobs j on j.id = r.job_id
     where r.dataset = $1 and ($2::timestamptz is null or r.observed_at < $2)
     order by r.observed_at desc, j.id, r.run_key limit $3`,
    [dataset, page.before?.toISOString() ?? null, page.limit],
  );
  return r.rows;
}

/** Versions of every dataset since a time, newest first; the suspect ones only when asked. */
export async function recentVersions(db: Queryable, q: Page & { since: Date | null; suspect: boolean }): Promise<DatasetVersion[]> {
  // A literal condition rather than a parameter, so that the planner can take the partial index of suspect versions.
  const r = await db.query<DatasetVersion>(
    `select ${VERSION} where ${q.suspect ? 's.suspect and ' : ''}($1::timestamptz is null or s.observed_at >= $1)
       and ($2::timestamptz is null or s.observed_at < $2)
     order by s.observed_at desc, s.dataset, j.id, s.run_key limit $3`,
    [q.since?.toISOString() ?? null, q.before?.toISOString() ?? null, q.limit],
  );
  return r.rows;
}

/** The versions these runs wrote, by the (job_id, run_key) index; one query for them all. */
export async function versionsWrittenBy(db: Queryable, runs: { jobId: number; runKey: string }[]): Promise<DatasetVersion[]> {
  if (runs.length === 0) return [];
  const r = await db.query<DatasetVersion>(
    `select ${VERSION} join unnest($1::bigint[], $2::text[]) as x(job_id, run_key) on s.job_id = x.job_id and s.run_key = x.run_key
     order by j.id, s.run_key, s.dataset`,
    [runs.map((x) => x.jobId), runs.map((x) => x.runKey)],
  );
  return r.rows;
}

/**
 * For each dataset, the newest version observed strictly before the time given with it (the
 * version a reader that started then met), with that time as `before`; none for a dataset with no
 * version by then. One query, one index probe per read.
 */
export async function latestVersionsBefore(db: Queryable, reads: { dataset: string; before: Date }[]): Promise<(DatasetVersion & { before: Date })[]> {
  if (reads.length === 0) return [];
  const r = await db.query<DatasetVersion & { before: Date }>(
    `select x.before, v.* from unnest($1::text[], $2::timestamptz[]) as x(dataset, before)
     cross join lateral (select ${VERSION} where s.dataset = x.dataset and s.observed_at < x.before
                         order by s.observed_at desc limit 1) v`,
    [reads.map((x) => x.dataset), reads.map((x) => x.before.toISOString())],
  );
  return r.rows;
}
