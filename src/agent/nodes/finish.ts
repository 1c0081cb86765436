import { plan } from '../planner.ts';
import type { Outcome } from '../schema.ts';
import { failureOf, insertDecisionOnce, proposalDecisionId, proposalResult, proposalRow } from '../decision.ts';
import { withTransaction } from '../../db/pool.ts';
import { appendAudit } from '../../approvals/audit.ts';
import { optionOf } from '../allowed.ts';
import type { Node } from './node.ts';

/**
 * Ends a run that stopped thinking (a budget ran out) or found nothing it may do: people are
 * told. The escalation is logged as a notify decision with the planner's diagnosis, so those
 * who pick it up see what the agent saw.
 */
export const escalate: Node = async (deps, s) => {
  const detail = s.stop ?? 'nothing to propose';
  const hypotheses = s.diagnosis?.hypotheses ?? (s.facts ? plan(s.facts, s.options).hypotheses : []);
  const notify = optionOf(s.options, 'notify') ?? { action: { kind: 'notify' as const, page: false, severity: 'warning' as const }, policyId: null, approval: { kind: 'none' as const }, gated: false };
  const decisionId = proposalDecisionId(s.agentRunId, 'escalation');
  const { input, ctx } = await failureOf(deps, s.subject, s.actor);
  const now = deps.clock();
  const reason = `agent run ${s.agentRunId} stopped (${detail}): people decide`;
  const result = proposalResult(deps, { option: notify, by: 'medic', rationale: detail }, hypotheses, s.agentRunId, input, ctx, reason);
  await withTransaction(deps.pool, async (tx) => {
    if (await insertDecisionOnce(tx, { ...proposalRow(deps, decisionId, input, ctx, result, now), budget_key: null })) {
      await appendAudit(tx, { at: now, actor: s.actor, kind: 'decision.taken', incidentId: s.subject.incidentId, decisionId, agentRunId: s.agentRunId, detail: { action: notify.action, reason } });
    }
  });
  const outcome: Outcome = { kind: 'escalated', detail };
  return {
    update: { outcome, decisionId },
    record: { by: 'medic', prompt: null, inputs: { stop: s.stop }, toolCalls: [], outputs: { outcome, hypotheses }, tokens: null },
    patch: { status: 'escalated', outcome, decisionId, finished: true, ...(s.diagnosis ? {} : { diagnosis: { hypotheses, by: 'planner', fallback: detail } }) },
    kind: 'agent.finished',
    cost: { steps: 0 },
  };
};

/** Ends a run whose proposal people rejected, or did not answer in time: nothing is done, nothing executed. */
export const finish: Node = async (_deps, s) => {
  const status = s.approval?.status ?? 'missing';
  const outcome: Outcome = status === 'rejected'
    ? { kind: 'rejected', detail: `approval ${s.approval?.id ?? '?'} was rejected: nothing was done` }
    : { kind: 'escalated', detail: `approval ${s.approval?.id ?? '?'} is ${status}: nothing was done, people decide` };
  return {
    update: { outcome },
    record: { by: 'medic', prompt: null, inputs: { approval: s.approval }, toolCalls: [], outputs: { outcome }, tokens: null },
    patch: { status: outcome.kind === 'rejected' ? 'done' : 'escalated', outcome, finished: true },
    kind: 'agent.finished',
    cost: { steps: 0 },
  };
};
