import type { Queryable } from '../db/pool.ts';
import type { Action } from '../policies/action.ts';
import type { ApprovalRow, ApprovalStatus, Requirement, Via, Vote } from './schema.ts';

export interface NewApproval {
  decisionId: string;
  incidentId: number | null;
  runId: number | null;
  policyId: string | null;
  action: Action;
  target: unknown;
  requirement: Requirement;
  requester: string | null;
  proposedBy: string | null;
  status: 'pending' | 'escalated';
  evidence: Record<string, unknown>;
  dryRun: unknown;
  expiresAt: Date;
  expiryReason: 'ttl' | 'sla';
  usefulUntil: Date | null;
  createdAt: Date;
}

export async function insertApproval(db: Queryable, a: NewApproval): Promise<number> {
  const r = await db.query<{ id: number }>(
    `insert into approvals (decision_id, incident_id, run_id, policy_id, action, target, requirement, requester, proposed_by, status,
                            evidence, dry_run, expires_at, expiry_reason, useful_until, created_at, decided_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, case when $10 = 'escalated' then $16::timestamptz end)
     returning id`,
    [a.decisionId, a.incidentId, a.runId, a.policyId, JSON.stringify(a.action), JSON.stringify(a.target), JSON.stringify(a.requirement),
      a.requester, a.proposedBy, a.status, JSON.stringify(a.evidence), JSON.stringify(a.dryRun), a.expiresAt.toISOString(), a.expiryReason,
      a.usefulUntil?.toISOString() ?? null, a.createdAt.toISOString()],
  );
  const id = r.rows[0]?.id;
  if (id === undefined) throw new Error('approval insert returned nothing');
  return id;
}

/** The approval, locked for the rest of the transaction when `lock` (votes on one request queue on it). */
export async function getApproval(db: Queryable, id: number, lock = false): Promise<ApprovalRow | undefined> {
  return (await db.query<ApprovalRow>(`select * from approvals where id = $1${lock ? ' for update' : ''}`, [id])).rows[0];
}

export async function votesOf(db: Queryable, approvalId: number): Promise<Vote[]> {
  const r = await db.query<Vote>(
    'select approver, verdict, reason, via, action_version, at from approval_votes where approval_id = $1 order by id', [approvalId]);
  return r.rows;
}

export async function insertVote(db: Queryable, v: { approvalId: number; approver: string; verdict: 'approve' | 'reject'; reason: string | null; via: Via; version: number; at: Date }): Promise<void> {
  await db.query(
    `insert into approval_votes (approval_id, approver, verdict, reason, via, action_version, at) values ($1, $2, $3, $4, $5, $6, $7)`,
    [v.approvalId, v.approver, v.verdict, v.reason, v.via, v.version, v.at.toISOString()],
  );
}

export async function setApprovalStatus(db: Queryable, id: number, status: ApprovalStatus, at: Date): Promise<void> {
  await db.query('update approvals set status = $2, decided_at = $3 where id = $1', [id, status, at.toISOString()]);
}

/** A new version of the action, with its target and dry run. */
export async function updateApprovalAction(db: Queryable, id: number, u: { action: Action; version: number; target: unknown; dryRun: unknown }): Promise<void> {
  await db.query('update approvals set action = $2, action_version = $3, target = $4, dry_run = $5 where id = $1',
    [id, JSON.stringify(u.action), u.version, JSON.stringify(u.target), JSON.stringify(u.dryRun)]);
}

export async function listApprovals(db: Queryable, f: { status?: ApprovalStatus; incidentId?: number; limit: number }): Promise<Omit<ApprovalRow, 'evidence' | 'dry_run'>[]> {
  const r = await db.query<Omit<ApprovalRow, 'evidence' | 'dry_run'>>(
    `select id, decision_id, incident_id, run_id, policy_id, action, action_version, target, requirement, requester, proposed_by, status,
            expires_at, expiry_reason, useful_until, created_at, decided_at
       from approvals where ($1::text is null or status = $1) and ($2::bigint is null or incident_id = $2) order by id desc limit $3`,
    [f.status ?? null, f.incidentId ?? null, f.limit],
  );
  return r.rows;
}

/**
 * Ends every pending request whose time is up — expired after its TTL, escalated when an SLA
 * needed an answer sooner — or whose incident ended without it (the orchestrator's own retry
 * worked: acting now would only act twice), and records each in the audit log, in one statement.
 */
export async function lapseApprovals(db: Queryable, now: Date): Promise<{ approval_id: number; kind: string }[]> {
  const r = await db.query<{ approval_id: number; kind: string }>(
    `with due as (
       select a.id, exists (select 1 from incidents i where i.id = a.incident_id and i.status in ('resolved', 'closed')) as moot
         from approvals a where a.status = 'pending'
          and (a.expires_at <= $1 or exists (select 1 from incidents i where i.id = a.incident_id and i.status in ('resolved', 'closed')))
     ), lapsed as (
       update approvals a set status = case when not due.moot and a.expiry_reason = 'sla' then 'escalated' else 'expired' end, decided_at = $1
         from due where a.id = due.id
        returning a.id, a.decision_id, a.incident_id, a.status, a.expires_at, a.expiry_reason, due.moot)
     insert into audit_log (at, actor, kind, incident_id, decision_id, approval_id, detail)
     select $1, 'medic', 'approval.' || status, incident_id, decision_id, id,
            jsonb_build_object('expires_at', expires_at, 'because', case
              when moot then 'the incident ended before an answer: nothing runs'
              when expiry_reason = 'sla' then 'no answer while the action could still help the SLA: people are told, nothing runs'
              else 'no answer within the approval TTL' end)
       from lapsed
     returning approval_id, kind`,
    [now.toISOString()],
  );
  return r.rows;
}

/**
 * The open (pending or approved) request already asked for this action on this failed attempt:
 * an orchestrator asking twice about one failure gets one request, so one approval runs it once.
 */
export async function openRequestFor(db: Queryable, f: { job: string; runKey: string; attempt: number | null; kind: string }): Promise<{ id: number; status: ApprovalStatus } | undefined> {
  const r = await db.query<{ id: number; status: ApprovalStatus }>(
    `select a.id, a.status from approvals a join decisions d on d.id = a.decision_id
      where d.job = $1 and d.run_key = $2 and d.attempt is not distinct from $3 and a.action->>'kind' = $4
        and a.status in ('pending', 'approved')
      order by a.id limit 1`,
    [f.job, f.runKey, f.attempt, f.kind],
  );
  return r.rows[0];
}

/** What an approved request's execution needs beyond the request: the failed attempt, its signature, job and source. */
export async function executionContextOf(db: Queryable, a: Pick<ApprovalRow, 'decision_id' | 'incident_id' | 'run_id'>): Promise<{
  attempt: number | null; signature_id: number | null; job_id: number | null; source: string | null;
} | undefined> {
  const r = await db.query<{ attempt: number | null; signature_id: number | null; job_id: number | null; source: string | null }>(
    `select d.attempt, coalesce(i.signature_id, d.signature_id) as signature_id, r.job_id, j.source
       from decisions d left join incidents i on i.id = $2 left join runs r on r.id = $3 left join jobs j on j.id = r.job_id
      where d.id = $1`,
    [a.decision_id, a.incident_id, a.run_id],
  );
  return r.rows[0];
}

/** The stored run of a job by its run key. */
export async function runByKey(db: Queryable, job: { namespace: string; name: string }, runKey: string): Promise<{ id: number; job_id: number } | undefined> {
  const r = await db.query<{ id: number; job_id: number }>(
    `select r.id, r.job_id from runs r join jobs j on j.id = r.job_id where j.namespace = $1 and j.name = $2 and r.run_key = $3`,
    [job.namespace, job.name, runKey],
  );
  return r.rows[0];
}

/** The incident a failed attempt belongs to, once analysed. */
export async function incidentOfAttempt(db: Queryable, runId: number, attempt: number | null): Promise<{ incident_id: number; signature_id: number } | undefined> {
  const r = await db.query<{ incident_id: number; signature_id: number }>(
    `select ir.incident_id, i.signature_id from incident_runs ir join incidents i on i.id = ir.incident_id
      where ir.run_id = $1 and ($2::int is null or ir.attempt = $2) order by ir.attempt desc limit 1`,
    [runId, attempt],
  );
  return r.rows[0];
}

/**
 * The tasks of the run's DAG run (workflow, folder): the jobs whose runs share its parent and run
 * key, named as the orchestrator names them within the parent. Null when the run has no parent.
 */
export async function tasksOfRun(db: Queryable, runId: number): Promise<string[] | null> {
  const r = await db.query<{ parent_name: string | null; task: string | null }>(
    `select p.parent_name, case when j.name like p.parent_name || '.%' then substr(j.name, length(p.parent_name) + 2) else j.name end as task
       from runs p left join runs r on r.parent_namespace = p.parent_namespace and r.parent_name = p.parent_name
                                   and r.parent_run_key = p.parent_run_key
                   left join jobs j on j.id = r.job_id
      where p.id = $1 order by task`,
    [runId],
  );
  if (r.rows.length === 0 || r.rows[0]?.parent_name === null) return null;
  return [...new Set(r.rows.flatMap((x) => (x.task === null ? [] : [x.task])))];
}
