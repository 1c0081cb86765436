import type { Queryable } from '../db/pool.ts';
import type { ExecutionRow, Verification } from './execute-sql.ts';

/** The median of the job's last 50 completed attempts, in ms; null when it has none. */
export async function jobMedianById(db: Queryable, jobId: number): Promise<number | null> {
  const r = await db.query<{ median: number | null }>(
    `select percentile_cont(0.5) within group (order by d) as median from (
       select a.duration_ms as d from runs r join run_attempts a on a.run_id = r.id
        where r.job_id = $1 and a.state = 'completed' and a.duration_ms is not null
        order by r.id desc limit 50) x`,
    [jobId],
  );
  const m = r.rows[0]?.median;
  return m === null || m === undefined ? null : Math.round(Number(m));
}

/** Executions waiting for their target's next run, of one job or of all. */
export async function awaitingVerification(db: Queryable, jobId: number | null, limit = 500): Promise<ExecutionRow[]> {
  const r = await db.query<ExecutionRow>(
    `select * from executions where verification = 'awaiting' and ($1::bigint is null or job_id = $1) order by id limit $2`,
    [jobId, limit],
  );
  return r.rows;
}

/** The job of a run. */
export async function jobOfRun(db: Queryable, runId: number): Promise<number | undefined> {
  return (await db.query<{ job_id: number }>('select job_id from runs where id = $1', [runId])).rows[0]?.job_id;
}

export interface NextAttempt {
  run_id: number;
  attempt: number;
  state: string;
  ended_at: Date;
}

/**
 * The first attempt of the target job to end after the one the execution acted on: a later
 * attempt of the same run (a retry, a rerun), an attempt of a later run of the job, or the same
 * attempt ending again after its analysed failure (Argo retries a workflow in place).
 */
export async function nextAttempt(db: Queryable, e: Pick<ExecutionRow, 'job_id' | 'run_id' | 'attempt'>): Promise<NextAttempt | undefined> {
  const r = await db.query<NextAttempt>(
    `select a.run_id, a.attempt, a.state, coalesce(a.ended_at, a.state_at) as ended_at
       from run_attempts a join runs r on r.id = a.run_id
      where r.job_id = $1 and a.state in ('completed', 'failed', 'aborted')
        and ((a.run_id = $2 and a.attempt > $3) or (a.run_id <> $2 and r.id > $2)
             or (a.run_id = $2 and a.attempt = $3 and (a.state = 'completed' or coalesce(a.ended_at, a.state_at) >
                  coalesce((select max(failed_at) from incident_runs where run_id = $2 and attempt = $3), 'infinity'::timestamptz))))
      order by coalesce(a.ended_at, a.state_at), a.run_id, a.attempt limit 1`,
    [e.job_id, e.run_id ?? 0, e.attempt ?? 0],
  );
  return r.rows[0];
}

/** Moves an awaiting execution to its verdict; false when another worker got there first. */
export async function markVerified(db: Queryable, id: number, verification: Exclude<Verification, 'awaiting'>, at: Date): Promise<boolean> {
  const r = await db.query(
    `update executions set verification = $2, verified_at = $3, updated_at = clock_timestamp() where id = $1 and verification = 'awaiting'`,
    [id, verification, at.toISOString()],
  );
  return (r.rowCount ?? 0) > 0;
}

export async function insertOutcome(db: Queryable, o: {
  executionId: number; signatureId: number | null; incidentId: number | null; action: string; outcome: 'success' | 'failure';
  timeToRecoverMs: number | null; at: Date;
}): Promise<void> {
  await db.query(
    `insert into action_outcomes (execution_id, signature_id, incident_id, action, outcome, time_to_recover_ms, at)
     values ($1, $2, $3, $4, $5, $6, $7) on conflict (execution_id) do nothing`,
    [o.executionId, o.signatureId, o.incidentId, o.action, o.outcome, o.timeToRecoverMs, o.at.toISOString()],
  );
}

/** Executions whose watch ran out before the target said anything. */
export async function overdueVerifications(db: Queryable, now: Date, limit = 500): Promise<ExecutionRow[]> {
  const r = await db.query<ExecutionRow>(
    `select * from executions where verification = 'awaiting' and verify_deadline < $1 order by id limit $2`,
    [now.toISOString(), limit],
  );
  return r.rows;
}

/** When the incident's first failure happened (its time to recover counts from there). */
export async function incidentStart(db: Queryable, incidentId: number): Promise<Date | undefined> {
  const r = await db.query<{ at: Date | null }>('select min(failed_at) as at from incident_runs where incident_id = $1', [incidentId]);
  return r.rows[0]?.at ?? undefined;
}
