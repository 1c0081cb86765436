import type { Queryable } from '../db/pool.ts';
import type { Action } from '../policies/action.ts';
import type { ExecutionTarget } from './executor.ts';
import type { Observation } from './remedy.ts';

export type ExecutionState = 'pending' | 'executing' | 'executed' | 'failed';
export type Verification = 'awaiting' | 'succeeded' | 'failed' | 'expired';

/** An execution as stored. */
export interface ExecutionRow {
  id: number;
  decision_id: string;
  approval_id: number | null;
  incident_id: number | null;
  signature_id: number | null;
  policy_id: string | null;
  job_id: number | null;
  run_id: number | null;
  attempt: number | null;
  source: string;
  action: Action;
  target: ExecutionTarget | null;
  actor: string;
  state: ExecutionState;
  not_before: Date;
  lease_until: Date | null;
  lease_token: string | null;
  attempts: number;
  sent_at: Date | null;
  baseline: Observation | null;
  outcome: Record<string, unknown> | null;
  verification: Verification | null;
  verify_deadline: Date | null;
  executed_at: Date | null;
  verified_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface NewExecution {
  decisionId: string;
  approvalId: number | null;
  incidentId: number | null;
  signatureId: number | null;
  policyId: string | null;
  jobId: number | null;
  runId: number | null;
  attempt: number | null;
  source: string;
  action: Action;
  target: ExecutionTarget;
  actor: string;
  notBefore: Date;
  createdAt: Date;
}

/**
 * Inserts the execution of a decision unless it exists: the decision id is the exactly-once key.
 * Returns its id and whether this call created it.
 */
export async function insertExecution(db: Queryable, e: NewExecution): Promise<{ id: number; created: boolean }> {
  const r = await db.query<{ id: number }>(
    `insert into executions (decision_id, approval_id, incident_id, signature_id, policy_id, job_id, run_id, attempt, source,
                             action, target, actor, not_before, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     on conflict (decision_id) do nothing returning id`,
    [e.decisionId, e.approvalId, e.incidentId, e.signatureId, e.policyId, e.jobId, e.runId, e.attempt, e.source,
      JSON.stringify(e.action), JSON.stringify(e.target), e.actor, e.notBefore.toISOString(), e.createdAt.toISOString()],
  );
  const id = r.rows[0]?.id;
  if (id !== undefined) return { id, created: true };
  const existing = await db.query<{ id: number }>('select id from executions where decision_id = $1', [e.decisionId]);
  const found = existing.rows[0]?.id;
  if (found === undefined) throw new Error(`execution of decision ${e.decisionId} neither inserted nor found`);
  return { id: found, created: false };
}

export async function getExecution(db: Queryable, id: number): Promise<ExecutionRow | undefined> {
  return (await db.query<ExecutionRow>('select * from executions where id = $1', [id])).rows[0];
}

/**
 * Takes the execution for one worker: a pending one that is due, or one whose holder's lease ran
 * out. Atomic, so of two workers started on the same execution one gets it and the other nothing.
 * Leases run on the database's clock, which every worker shares.
 */
export async function claimExecution(db: Queryable, id: number, token: string, leaseMs: number, now: Date): Promise<ExecutionRow | undefined> {
  const r = await db.query<ExecutionRow>(
    `update executions set state = 'executing', lease_token = $2, lease_until = clock_timestamp() + make_interval(secs => $3),
            attempts = attempts + 1, updated_at = clock_timestamp()
      where id = $1 and not_before <= $4
        and (state = 'pending' or (state = 'executing' and lease_until < clock_timestamp()))
      returning *`,
    [id, token, leaseMs / 1000, now.toISOString()],
  );
  return r.rows[0];
}

/** Extends the holder's lease; false when it is no longer the holder. */
export async function renewLease(db: Queryable, id: number, token: string, leaseMs: number): Promise<boolean> {
  const r = await db.query(
    `update executions set lease_until = clock_timestamp() + make_interval(secs => $3)
      where id = $1 and lease_token = $2 and state = 'executing'`,
    [id, token, leaseMs / 1000],
  );
  return (r.rowCount ?? 0) > 0;
}

/** Records, before the call, that a call is about to be made (and what the target looked like). */
export async function markSent(db: Queryable, id: number, token: string, baseline: Observation, now: Date): Promise<boolean> {
  const r = await db.query(
    `update executions set sent_at = $3, baseline = coalesce(baseline, $4::jsonb), updated_at = clock_timestamp()
      where id = $1 and lease_token = $2 and state = 'executing'`,
    [id, token, now.toISOString(), JSON.stringify(baseline)],
  );
  return (r.rowCount ?? 0) > 0;
}

/** Ends the holder's execution: executed (awaiting verification when there is a job to watch) or failed. */
export async function finishExecution(
  db: Queryable, id: number, token: string,
  end: { state: 'executed'; outcome: Record<string, unknown>; at: Date; verifyDeadline: Date | null } | { state: 'failed'; outcome: Record<string, unknown>; at: Date },
): Promise<boolean> {
  const executed = end.state === 'executed';
  const r = await db.query(
    `update executions set state = $3, outcome = $4, lease_token = null, lease_until = null, updated_at = clock_timestamp(),
            executed_at = case when $3 = 'executed' then $5::timestamptz end,
            verification = case when $3 = 'executed' and $6::timestamptz is not null then 'awaiting' end,
            verify_deadline = $6
      where id = $1 and lease_token = $2 and state = 'executing'`,
    [id, token, end.state, JSON.stringify(end.outcome), end.at.toISOString(), executed && end.verifyDeadline ? end.verifyDeadline.toISOString() : null],
  );
  return (r.rowCount ?? 0) > 0;
}

/** Gives the execution back to the queue after a transient failure; `sent_at` stays, so the next claim reconciles. */
export async function releaseExecution(db: Queryable, id: number, token: string, outcome: Record<string, unknown>): Promise<boolean> {
  const r = await db.query(
    `update executions set state = 'pending', lease_token = null, lease_until = null, outcome = $3, updated_at = clock_timestamp()
      where id = $1 and lease_token = $2 and state = 'executing'`,
    [id, token, JSON.stringify(outcome)],
  );
  return (r.rowCount ?? 0) > 0;
}

/**
 * Executions no worker is on: pending and untouched for `idleMs` (their queue job may be lost
 * with a Redis that kept nothing), or held under a lease that ran out (their worker died).
 */
export async function strandedExecutions(db: Queryable, idleMs: number, now: Date, limit = 500): Promise<{ id: number; attempts: number }[]> {
  const r = await db.query<{ id: number; attempts: number }>(
    `select id, attempts from executions
      where (state = 'pending' and not_before <= $2 and updated_at < clock_timestamp() - make_interval(secs => $1))
         or (state = 'executing' and lease_until < clock_timestamp())
      order by id limit $3`,
    [idleMs / 1000, now.toISOString(), limit],
  );
  return r.rows;
}

export async function listExecutions(db: Queryable, f: { approvalId?: number; incidentId?: number; limit: number }): Promise<ExecutionRow[]> {
  const r = await db.query<ExecutionRow>(
    `select * from executions where ($1::bigint is null or approval_id = $1) and ($2::bigint is null or incident_id = $2)
      order by id desc limit $3`,
    [f.approvalId ?? null, f.incidentId ?? null, f.limit],
  );
  return r.rows;
}
