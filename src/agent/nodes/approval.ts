import { interrupt } from '@langchain/langgraph';
import { requestApproval } from '../../approvals/request.ts';
import { getApproval } from '../../approvals/sql.ts';
import { withTransaction } from '../../db/pool.ts';
import { failureOf, insertDecisionOnce, proposalDecisionId, proposalResult, proposalRow } from '../decision.ts';
import { ResumeValue } from '../schema.ts';
import type { Node } from './node.ts';

/**
 * Asks people to allow a gated proposal: the proposal is logged as a decision (once per run),
 * then the approval request is made with the agent as requester and proposer, so separation of
 * duties forbids it from approving itself. A step that runs again finds the request it made.
 */
export const requestApprovalNode: Node = async (deps, s) => {
  if (!s.proposal || !s.diagnosis) throw new Error('request_approval before propose');
  const decisionId = proposalDecisionId(s.agentRunId);
  const existing = await deps.pool.query<{ id: number; status: string }>('select id, status from approvals where decision_id = $1', [decisionId]);
  let approval = existing.rows[0];
  if (!approval) {
    const { input, ctx } = await failureOf(deps, s.subject, s.actor);
    const now = deps.clock();
    const reason = `agent run ${s.agentRunId} (${s.diagnosis.by}) proposes a ${s.proposal.option.action.kind}: ${s.proposal.rationale}`;
    const result = proposalResult(deps, s.proposal, s.diagnosis.hypotheses, s.agentRunId, input, ctx, reason);
    await withTransaction(deps.pool, (tx) => insertDecisionOnce(tx, proposalRow(deps, decisionId, input, ctx, result, now)));
    approval = await requestApproval(deps, { decisionId, input, result, ctx, now, incidentId: s.subject.incidentId, runId: s.subject.runId, proposedBy: s.actor }) ?? undefined;
    if (!approval) throw new Error(`no approval request was made for decision ${decisionId}`);
  }
  return {
    update: { decisionId, approval: { id: approval.id, status: approval.status } },
    record: { by: 'medic', prompt: null, inputs: { action: s.proposal.option.action, policy: s.proposal.option.policyId }, toolCalls: [], outputs: { approval: approval.id, status: approval.status }, tokens: null },
    patch: { decisionId, approvalId: approval.id, ...(approval.status === 'pending' ? { status: 'awaiting_approval' as const } : {}) },
  };
};

/**
 * Waits for people: the graph stops here (its state checkpointed) until the approval flow
 * resumes it — from the API, the CLI or Slack — minutes or days later, in whatever process. The
 * resume value only says which request; the verdict is read from the request's row.
 */
export const awaitApproval: Node = async (deps, s) => {
  if (!s.approval) throw new Error('await_approval before request_approval');
  const resumed = ResumeValue.safeParse(interrupt({ approvalId: s.approval.id, actor: s.actor }));
  const row = await getApproval(deps.pool, s.approval.id);
  const status = row?.status ?? 'missing';
  return {
    update: { approval: { id: s.approval.id, status } },
    record: { by: 'medic', prompt: null, inputs: { approval: s.approval.id, resumed_with: resumed.success ? resumed.data : 'invalid' }, toolCalls: [], outputs: { status }, tokens: null },
    kind: 'agent.resumed',
    cost: { steps: 0 },
  };
};
