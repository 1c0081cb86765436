import type { Queryable } from '../db/pool.ts';
import type { UpstreamState } from './preflight.ts';

const JOB_IS = (alias: string, param: string) =>
  `${alias}.namespace = split_part(${param}, '/', 1) and ${alias}.name = substr(${param}, length(split_part(${param}, '/', 1)) + 2)`;

/** The jobs `job` waits for: declared in a service definition, or learned from lineage. */
export async function upstreamJobs(db: Queryable, job: string): Promise<string[]> {
  const r = await db.query<{ job: string }>(
    `select a as job from services s, jsonb_array_elements(s.definition->'jobs') j, jsonb_array_elements_text(j->'after') a
     where j->>'job' = $1
     union
     select u.namespace || '/' || u.name from job_edges e join jobs d on d.id = e.downstream_job_id join jobs u on u.id = e.upstream_job_id
     where ${JOB_IS('d', '$1')}
     order by 1`,
    [job],
  );
  return r.rows.map((x) => x.job);
}

/** Each job's latest run as of `at`, and the end of its latest completed one. */
export async function upstreamStates(db: Queryable, jobs: string[], at: Date): Promise<UpstreamState[]> {
  if (jobs.length === 0) return [];
  const r = await db.query<{ job: string; state: string | null; ended_at: Date | null; last_success_at: Date | null }>(
    `select u.job, l.state, l.ended_at,
            (select max(r.ended_at) from runs r where r.job_id = j.id and r.state = 'completed' and r.ended_at <= $2) as last_success_at
     from unnest($1::text[]) as u(job)
     left join jobs j on ${JOB_IS('j', 'u.job')}
     left join lateral (select r.state, r.ended_at from runs r where r.job_id = j.id and coalesce(r.started_at, r.state_at) <= $2
                        order by coalesce(r.started_at, r.state_at) desc limit 1) l on true`,
    [jobs, at.toISOString()],
  );
  return r.rows.map((x) => ({ job: x.job, state: x.state, endedAt: x.ended_at, lastSuccessAt: x.last_success_at }));
}

/**
 * When the job's previous run started: the latest run that had ended by `at`, other than the run
 * asking (whose own START may already be in, as the OpenLineage provider sends it first).
 */
export async function previousStart(db: Queryable, job: string, at: Date, runKey: string | null): Promise<Date | null> {
  const r = await db.query<{ started_at: Date | null }>(
    `select max(r.started_at) as started_at from jobs j join runs r on r.job_id = j.id
     where ${JOB_IS('j', '$1')} and r.started_at < $2 and r.ended_at <= $2 and r.run_key is distinct from $3`,
    [job, at.toISOString(), runKey],
  );
  return r.rows[0]?.started_at ?? null;
}

/** The datasets the job reads, as lineage learned them. */
export async function datasetsRead(db: Queryable, job: string): Promise<string[]> {
  const r = await db.query<{ dataset: string }>(
    `select d.dataset from job_datasets d join jobs j on j.id = d.job_id where ${JOB_IS('j', '$1')} and d.direction = 'input' order by 1`,
    [job],
  );
  return r.rows.map((x) => x.dataset);
}

/** One size a writer reported for a dataset. */
export interface SizeRow {
  rows: number | null;
  bytes: number | null;
  at: Date;
}

/** Each dataset's reported sizes before `at`, newest first, `limit` at most. */
export async function datasetSizes(db: Queryable, datasets: string[], at: Date, limit = 60): Promise<Map<string, SizeRow[]>> {
  if (datasets.length === 0) return new Map();
  const r = await db.query<{ dataset: string; sizes: { rows: number | null; bytes: number | null; at: string }[] }>(
    `select d.dataset, coalesce((select json_agg(json_build_object('rows', s.row_count, 'bytes', s.bytes, 'at', s.observed_at) order by s.observed_at desc) from (
        select row_count, bytes, observed_at from dataset_stats
        where dataset = d.dataset and (row_count is not null or bytes is not null) and observed_at <= $2
        order by observed_at desc limit $3) s), '[]') as sizes
     from unnest($1::text[]) as d(dataset)`,
    [datasets, at.toISOString(), limit],
  );
  return new Map(r.rows.map((x) => [x.dataset, x.sizes.map((s) => ({ rows: s.rows === null ? null : Number(s.rows), bytes: s.bytes === null ? null : Number(s.bytes), at: new Date(s.at) }))]));
}
