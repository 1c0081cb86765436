/**
 * What Medic stored for a world's day, read straight from the eval's own database: the failed
 * attempts the baselines pick from, and the runs checked against what was generated.
 */
import type { Queryable } from '../../src/db/pool.ts';

/** Failed or aborted attempts of `jobs` (`namespace/name`) that ended in [from, to), earliest first. */
export async function failedAttempts(db: Queryable, jobs: string[], from: Date, to: Date): Promise<{ job: string; ended_at: Date }[]> {
  const r = await db.query<{ job: string; ended_at: Date }>(
    `select j.namespace || '/' || j.name as job, a.ended_at
     from run_attempts a join runs r on r.id = a.run_id join jobs j on j.id = r.job_id
     where j.namespace || '/' || j.name = any($1::text[]) and a.state in ('failed', 'aborted')
       and a.ended_at >= $2 and a.ended_at < $3
     order by a.ended_at, j.name`,
    [jobs, from.toISOString(), to.toISOString()],
  );
  return r.rows;
}

/** The runs of `jobs` that belong to [from, to) by their schedule slot, else their start. */
export async function storedRuns(db: Queryable, jobs: string[], from: Date, to: Date): Promise<{ job: string; state: string; attempts: number }[]> {
  const r = await db.query<{ job: string; state: string; attempts: number }>(
    `select j.namespace || '/' || j.name as job, r.state, r.attempts
     from runs r join jobs j on j.id = r.job_id
     where j.namespace || '/' || j.name = any($1::text[])
       and coalesce(r.scheduled_at, r.started_at) >= $2 and coalesce(r.scheduled_at, r.started_at) < $3`,
    [jobs, from.toISOString(), to.toISOString()],
  );
  return r.rows;
}
