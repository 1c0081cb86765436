import type { Queryable } from '../db/pool.ts';
import { listExecutions } from '../remediation/execute-sql.ts';
import { getApproval, votesOf } from './sql.ts';

/** An approval with its votes and the execution it led to: what the console and `medic approvals` show. */
export async function approvalDetail(db: Queryable, id: number) {
  const approval = await getApproval(db, id);
  if (!approval) return undefined;
  const [votes, executions] = await Promise.all([votesOf(db, id), listExecutions(db, { approvalId: id, limit: 5 })]);
  const current = votes.filter((v) => v.verdict === 'approve' && v.action_version === approval.action_version).map((v) => v.approver);
  const needed = approval.requirement.kind === 'quorum' ? approval.requirement.count : 1;
  return {
    ...approval,
    votes,
    approvals: { have: new Set(current).size, need: needed },
    execution: executions[0] ?? null,
  };
}
