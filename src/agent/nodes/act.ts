import { appendAudit } from '../../approvals/audit.ts';
import { getApproval } from '../../approvals/sql.ts';
import { withTransaction } from '../../db/pool.ts';
import { isAppError } from '../../errors.ts';
import { enqueueExecution, runExecution } from '../../remediation/execute.ts';
import { createExecution, planAction } from '../../remediation/plan.ts';
import type { AgentDeps } from '../deps.ts';
import { failureOf, insertDecisionOnce, proposalDecisionId, proposalResult, proposalRow } from '../decision.ts';
import type { Outcome, Proposal } from '../schema.ts';
import type { State } from '../state.ts';
import { mayUse } from '../tools.ts';
import { guardOf, type Node, type NodeResult } from './node.ts';

type Made = { kind: 'execution'; id: number } | { kind: 'none'; outcome: Outcome };

/** An approved proposal's execution: the one the approval created when it was decided (its decision's). */
async function approvedExecution(deps: AgentDeps, approvalId: number): Promise<Made> {
  const a = await getApproval(deps.pool, approvalId);
  const found = a && await deps.pool.query<{ id: number }>('select id from executions where decision_id = $1', [a.decision_id]);
  const id = found?.rows[0]?.id;
  return id === undefined ? { kind: 'none', outcome: { kind: 'not_executed', detail: 'the approval made no execution: nothing an executor could target' } } : { kind: 'execution', id };
}

/** An ungated proposal: logged as a decision and planned; its execution created once, in one transaction. */
async function ungatedExecution(deps: AgentDeps, s: State, proposal: Proposal): Promise<{ made: Made; decisionId: string }> {
  const decisionId = proposalDecisionId(s.agentRunId);
  const { input, ctx } = await failureOf(deps, s.subject, s.actor);
  const now = deps.clock();
  const reason = `agent run ${s.agentRunId} (${proposal.by}) decided a ${proposal.option.action.kind}: ${proposal.rationale}`;
  const result = proposalResult(deps, proposal, s.diagnosis?.hypotheses ?? [], s.agentRunId, input, ctx, reason);
  const plan = await planAction(deps, { decisionId, action: proposal.option.action, runId: s.subject.runId });
  const made = await withTransaction(deps.pool, async (tx): Promise<Made> => {
    const ids = { incidentId: s.subject.incidentId, decisionId, approvalId: null, agentRunId: s.agentRunId };
    if (await insertDecisionOnce(tx, proposalRow(deps, decisionId, input, ctx, result, now))) {
      await appendAudit(tx, { at: now, actor: s.actor, kind: 'decision.taken', ...ids, detail: { policy_id: result.policy_id, action: result.params, reason } });
    }
    if (proposal.option.action.kind === 'notify') return { kind: 'none', outcome: { kind: 'notified', detail: 'people are told: the decision is in the log with the diagnosis' } };
    if (plan.kind === 'none') return { kind: 'none', outcome: { kind: 'not_executed', detail: plan.reason } };
    const e = await createExecution(tx, {
      decisionId, approvalId: null, incidentId: s.subject.incidentId, signatureId: s.subject.signatureId, policyId: proposal.option.policyId,
      jobId: s.subject.jobId, runId: s.subject.runId, attempt: s.subject.attempt, source: plan.source, action: proposal.option.action,
      target: plan.target, actor: s.actor, createdAt: now, delayS: result.delay_s,
    });
    return { kind: 'execution', id: e.id };
  });
  return { made, decisionId };
}

/** Runs the execution now, exactly once whoever else is on it; a transient failure is left to the execute job's backoff. */
async function carryOut(deps: AgentDeps, id: number): Promise<Outcome> {
  try {
    const r = await runExecution(deps, id);
    const detail = r.kind === 'executed' || r.kind === 'failed' ? r.detail : r.kind === 'not-due' ? `due in ${Math.round(r.delayMs / 1000)} s` : r.kind === 'not-claimable' ? `already ${r.state}` : 'another worker took it over';
    return { kind: 'executed', executionId: id, state: r.kind, detail };
  } catch (err) {
    if (!isAppError(err) || err.code !== 'unavailable') throw err;
    await enqueueExecution(deps, id, 1_000, ':agent');
    return { kind: 'executed', executionId: id, state: 'retrying', detail: err.message };
  }
}

/**
 * The act tool: carries out the proposal through the executors' exactly-once path — only an
 * option the policies allow, only once approved when gated (the guard checks both again here).
 */
export const act: Node = async (deps, s): Promise<NodeResult> => {
  const proposal = s.proposal;
  const gate = mayUse('act', 'act', guardOf(s));
  // The action carried out is the option's as the policies gave it, found again by kind and policy.
  const allowed = proposal && s.options.find((o) => o.action.kind === proposal.option.action.kind && o.policyId === proposal.option.policyId);
  if (!proposal || gate.kind === 'refused' || !allowed) {
    const reason = gate.kind === 'refused' ? gate.reason : 'the proposal is not among the options the policies allow';
    const refusal = { step: 'act', what: `act ${proposal?.option.action.kind ?? '(nothing)'}`, reason };
    return {
      update: { refusals: [refusal], outcome: { kind: 'not_executed', detail: reason } },
      record: { by: 'medic', prompt: null, inputs: {}, toolCalls: [{ tool: 'act', args: proposal?.option.action ?? null, allowed: false, detail: reason }], outputs: {}, tokens: null },
      refused: [refusal],
    };
  }
  const ungated = allowed.gated ? null : await ungatedExecution(deps, s, { ...proposal, option: allowed });
  const made = ungated ? ungated.made : await approvedExecution(deps, s.approval?.id ?? 0);
  const outcome = made.kind === 'execution' ? await carryOut(deps, made.id) : made.outcome;
  return {
    update: { outcome, ...(ungated ? { decisionId: ungated.decisionId } : {}) },
    record: {
      by: 'medic', prompt: null, inputs: { action: proposal.option.action, policy: proposal.option.policyId, approval: s.approval?.id ?? null },
      toolCalls: [{ tool: 'act', args: proposal.option.action, allowed: true, detail: outcome.detail }], outputs: { outcome }, tokens: null,
    },
    patch: { ...(ungated ? { decisionId: ungated.decisionId } : {}), ...(made.kind === 'execution' ? { executionId: made.id } : {}) },
  };
};
