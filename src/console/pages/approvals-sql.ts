import type { ApprovalStatus, Requirement } from '../../approvals/schema.ts';
import type { Queryable } from '../../db/pool.ts';
import type { Action } from '../../policies/action.ts';

/** An approval as the list shows it: what, for which job, and how the votes on its current version stand. */
export interface ApprovalListRow {
  id: number;
  incident_id: number | null;
  policy_id: string | null;
  action: Action;
  action_version: number;
  requirement: Requirement;
  status: ApprovalStatus;
  created_at: Date;
  expires_at: Date;
  /** The last moment the action still helps a service's deadline, when one depends on it. */
  useful_until: Date | null;
  decided_at: Date | null;
  /** Approvers for the current version. */
  approvals: number;
  /** Approvers against it. */
  rejections: number;
  job: string | null;
}

export interface ApprovalListFilter {
  /** Every status when absent. */
  status?: ApprovalStatus;
  /** Oldest first, from after `cursor` (the queue to work through), or newest first, from before it (the record). */
  order: 'oldest' | 'newest';
  cursor?: number;
  limit: number;
}

/** One page of approvals in id order (ids follow creation), through `approvals_status_id_idx` or the primary key. */
export async function approvalList(db: Queryable, f: ApprovalListFilter): Promise<ApprovalListRow[]> {
  const [compare, direction] = f.order === 'oldest' ? ['>', 'asc'] : ['<', 'desc'];
  const r = await db.query<ApprovalListRow>(
    `select a.id, a.incident_id, a.policy_id, a.action, a.action_version, a.requirement, a.status, a.created_at, a.expires_at, a.useful_until, a.decided_at,
            (select count(distinct v.approver) from approval_votes v
              where v.approval_id = a.id and v.action_version = a.action_version and v.verdict = 'approve')::int as approvals,
            (select count(distinct v.approver) from approval_votes v
              where v.approval_id = a.id and v.action_version = a.action_version and v.verdict = 'reject')::int as rejections,
            (select j.namespace || '/' || j.name from runs r join jobs j on j.id = r.job_id where r.id = a.run_id) as job
       from approvals a
      where ($1::text is null or a.status = $1) and ($2::bigint is null or a.id ${compare} $2)
      order by a.id ${direction} limit $3`,
    [f.status ?? null, f.cursor ?? null, f.limit],
  );
  return r.rows;
}
