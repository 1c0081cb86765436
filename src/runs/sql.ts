import type { Queryable } from '../db/pool.ts';

/** A run as the API shows it. */
export interface RunView {
  id: number;
  job: { id: number; namespace: string; name: string; source: string; orchestrator: string };
  run_key: string;
  external_id: string;
  attempts: number;
  state: string;
  scheduled_at: Date | null;
  queued_at: Date | null;
  started_at: Date | null;
  ended_at: Date | null;
  duration_ms: number | null;
  error_message: string | null;
  error_detail: string | null;
  parent: { namespace: string; name: string; run_key: string; run_id: number | null } | null;
  facets: Record<string, unknown>;
  updated_at: Date;
}

const RUN_COLUMNS = `
  r.id, json_build_object('id', j.id, 'namespace', j.namespace, 'name', j.name, 'source', j.source,
                          'orchestrator', j.orchestrator) as job,
  r.run_key, r.external_id, r.attempts, r.state, r.scheduled_at, r.queued_at, r.started_at, r.ended_at,
  r.duration_ms, r.error_message, r.error_detail,
  case when r.parent_run_key is null then null else json_build_object(
    'namespace', r.parent_namespace, 'name', r.parent_name, 'run_key', r.parent_run_key,
    'run_id', (select pr.id from runs pr join jobs pj on pj.id = pr.job_id
               where pj.namespace = r.parent_namespace and pj.name = r.parent_name and pr.run_key = r.parent_run_key))
  end as parent,
  r.facets, r.updated_at`;

export interface RunFilter {
  jobId?: number;
  namespace?: string;
  job?: string;
  state?: string;
  since?: Date;
  until?: Date;
  /** Only runs with an id below this (keyset pagination, newest first). */
  before?: number;
  limit: number;
}

/** Runs newest first, filtered; `before` pages through them by id. */
export async function listRuns(db: Queryable, f: RunFilter): Promise<RunView[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    args.push(value);
    where.push(sql.replace('?', `$${args.length}`));
  };
  if (f.jobId !== undefined) add('r.job_id = ?', f.jobId);
  if (f.namespace !== undefined) add('j.namespace = ?', f.namespace);
  if (f.job !== undefined) add('j.name = ?', f.job);
  if (f.state !== undefined) add('r.state = ?', f.state);
  if (f.since !== undefined) add('coalesce(r.started_at, r.state_at) >= ?', f.since.toISOString());
  if (f.until !== undefined) add('coalesce(r.started_at, r.state_at) < ?', f.until.toISOString());
  if (f.before !== undefined) add('r.id < ?', f.before);
  args.push(f.limit);
  const result = await db.query<RunView>(
    `select ${RUN_COLUMNS} from runs r join jobs j on j.id = r.job_id
     ${where.length ? `where ${where.join(' and ')}` : ''}
     order by r.id desc limit $${args.length}`,
    args,
  );
  return result.rows;
}

export async function getRun(db: Queryable, id: number): Promise<RunView | undefined> {
  const result = await db.query<RunView>(
    `select ${RUN_COLUMNS} from runs r join jobs j on j.id = r.job_id where r.id = $1`, [id]);
  return result.rows[0];
}

export interface AttemptView {
  attempt: number;
  external_id: string;
  state: string;
  queued_at: Date | null;
  started_at: Date | null;
  ended_at: Date | null;
  duration_ms: number | null;
  error_message: string | null;
  error_detail: string | null;
}

export async function listAttempts(db: Queryable, runId: number): Promise<AttemptView[]> {
  const result = await db.query<AttemptView>(
    `select attempt, external_id, state, queued_at, started_at, ended_at, duration_ms, error_message, error_detail
     from run_attempts where run_id = $1 order by attempt`, [runId]);
  return result.rows;
}

export interface EventView {
  id: number;
  event_type: string;
  event_time: Date;
  attempt: number;
  source: string;
  received_at: Date;
}

export async function listRunEvents(db: Queryable, runId: number): Promise<EventView[]> {
  const result = await db.query<EventView>(
    `select e.id, e.event_type, e.event_time, e.attempt, e.source, e.received_at
     from run_events e join runs r on r.job_id = e.job_id and r.run_key = e.run_key
     where r.id = $1 order by e.event_time, e.id`, [runId]);
  return result.rows;
}

export interface JobView {
  id: number;
  namespace: string;
  name: string;
  source: string;
  orchestrator: string;
  first_seen_at: Date;
  last_event_at: Date | null;
  runs: number;
  failed_runs: number;
  /** Failed attempts, retried or not: how often the job hits trouble. */
  failed_attempts: number;
}

const JOB_COLUMNS = `
  j.id, j.namespace, j.name, j.source, j.orchestrator, j.first_seen_at,
  (select max(r.state_at) from runs r where r.job_id = j.id) as last_event_at,
  (select count(*) from runs r where r.job_id = j.id)::int as runs,
  (select count(*) from runs r where r.job_id = j.id and r.state = 'failed')::int as failed_runs,
  (select count(*) from run_attempts a join runs r on r.id = a.run_id
   where r.job_id = j.id and a.state in ('failed', 'aborted'))::int as failed_attempts`;

export async function listJobs(db: Queryable, f: { namespace?: string; limit: number; offset: number }): Promise<JobView[]> {
  const result = await db.query<JobView>(
    `select ${JOB_COLUMNS}
     from jobs j where ($1::text is null or j.namespace = $1)
     order by j.namespace, j.name limit $2 offset $3`,
    [f.namespace ?? null, f.limit, f.offset],
  );
  return result.rows;
}

export async function getJob(db: Queryable, id: number): Promise<JobView | undefined> {
  const result = await db.query<JobView>(
    `select ${JOB_COLUMNS}
     from jobs j where j.id = $1`, [id]);
  return result.rows[0];
}
