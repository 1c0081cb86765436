import type { Queryable } from '../db/pool.ts';
import { splitJobs } from '../runs/job-name.ts';

/** When the earliest run with this key among `jobs` was due (its schedule, else its start); null when none has it. */
export async function runKeyTime(db: Queryable, jobs: string[], key: string): Promise<Date | null> {
  const [ns, names] = splitJobs(jobs);
  const r = await db.query<{ t: Date | null }>(
    `select min(coalesce(r.scheduled_at, r.started_at, r.state_at)) as t
     from unnest($1::text[], $2::text[]) as u(namespace, name)
       join jobs j on j.namespace = u.namespace and j.name = u.name
       join runs r on r.job_id = j.id and r.run_key = $3`,
    [ns, names, key],
  );
  return r.rows[0]?.t ?? null;
}

/** A job as Medic knows it: its id and the orchestrator that runs it. */
export async function jobsByName(db: Queryable, jobs: string[]): Promise<Map<string, { id: number; orchestrator: string }>> {
  const [ns, names] = splitJobs(jobs);
  const r = await db.query<{ job: string; id: string; orchestrator: string }>(
    `select j.namespace || '/' || j.name as job, j.id, j.orchestrator
     from unnest($1::text[], $2::text[]) as u(namespace, name) join jobs j on j.namespace = u.namespace and j.name = u.name`,
    [ns, names],
  );
  return new Map(r.rows.map((x) => [x.job, { id: Number(x.id), orchestrator: x.orchestrator }]));
}

export interface RunDetailRow {
  job_id: string;
  run_key: string;
  external_id: string;
  state: string;
  attempts: number;
  failed_attempts: number;
  scheduled_at: Date | null;
  started_at: Date | null;
  ended_at: Date | null;
  error_message: string | null;
  parent: string | null;
  parent_run_key: string | null;
}

/** The runs a trace shows, by job id and run key, with how many of their attempts failed. */
export async function runDetails(db: Queryable, runs: { jobId: number; runKey: string }[]): Promise<RunDetailRow[]> {
  if (runs.length === 0) return [];
  const r = await db.query<RunDetailRow>(
    `select r.job_id, r.run_key, r.external_id, r.state, r.attempts, r.scheduled_at, r.started_at, r.ended_at, r.error_message,
            r.parent_namespace || '/' || r.parent_name as parent, r.parent_run_key,
            (select count(*)::int from run_attempts a where a.run_id = r.id and a.state in ('failed', 'aborted')) as failed_attempts
     from unnest($1::bigint[], $2::text[]) as u(job_id, run_key) join runs r on r.job_id = u.job_id and r.run_key = u.run_key`,
    [runs.map((x) => x.jobId), runs.map((x) => x.runKey)],
  );
  return r.rows;
}

/** The datasets each of these jobs reads, as lineage learned them. */
export async function datasetsReadBy(db: Queryable, jobIds: number[]): Promise<{ job_id: string; dataset: string }[]> {
  if (jobIds.length === 0) return [];
  const r = await db.query<{ job_id: string; dataset: string }>(
    `select job_id, dataset from job_datasets where job_id = any($1::bigint[]) and direction = 'input' order by job_id, dataset`,
    [jobIds],
  );
  return r.rows;
}

/** The job and run key of an incident's latest failed run. */
export async function incidentFocus(db: Queryable, id: number): Promise<{ job: string; runKey: string | null } | undefined> {
  const r = await db.query<{ job: string; run_key: string | null }>(
    `select coalesce(l.job, j.namespace || '/' || j.name) as job, l.run_key
     from incidents i join jobs j on j.id = i.job_id
     left join lateral (select rj.namespace || '/' || rj.name as job, r.run_key from incident_runs ir
                        join runs r on r.id = ir.run_id join jobs rj on rj.id = r.job_id
                        where ir.incident_id = i.id order by ir.run_id desc, ir.attempt desc limit 1) l on true
     where i.id = $1`,
    [id],
  );
  const row = r.rows[0];
  return row ? { job: row.job, runKey: row.run_key } : undefined;
}
