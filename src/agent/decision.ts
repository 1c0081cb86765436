/**
 * The agent's proposal as a decision: the failure as the policies see it (the raw text, which no
 * model reads), and the decision row the proposal is logged as. Its id is derived from the run,
 * so a step that runs again after a crash finds the same decision, the same approval and the
 * same execution: the exactly-once key of an agent's action is the run itself.
 */
import { createHash } from 'node:crypto';
import type { FailureContext } from '../decide/context.ts';
import { failureContext } from '../decide/gather.ts';
import type { DecisionRow } from '../decide/log-sql.ts';
import { evidenceOf, type DecisionResult } from '../decide/result.ts';
import type { FailureInput } from '../decide/schema.ts';
import type { Queryable } from '../db/pool.ts';
import { getAttempt } from '../incidents/sql.ts';
import { delayOf } from '../policies/action.ts';
import { budgetKey } from '../policies/guardrails.ts';
import { Orchestrator } from '../runs/schema.ts';
import type { AgentDeps } from './deps.ts';
import type { Hypothesis, Proposal } from './schema.ts';
import type { Subject } from './sql.ts';

/** The failed attempt as the decision endpoint would be asked about it, by the agent, and what Medic knows around it. */
export async function failureOf(deps: AgentDeps, subject: Subject, requester: string): Promise<{ input: FailureInput; ctx: FailureContext }> {
  const a = await getAttempt(deps.pool, subject.runId, subject.attempt);
  const orchestrator = Orchestrator.safeParse(subject.orchestrator);
  const input: FailureInput = {
    kind: 'failure', source: subject.source, ...(orchestrator.success ? { orchestrator: orchestrator.data } : {}),
    job: { namespace: subject.namespace, name: subject.name }, run: { key: subject.runKey }, attempt: subject.attempt, requester,
    error: {
      message: (a?.error_message ?? `${subject.name} failed without an error message`).slice(0, 100_000),
      ...(a?.error_detail ? { detail: a.error_detail.slice(0, 1_000_000) } : {}),
    },
  };
  return { input, ctx: await failureContext(deps, deps.policies.current(), input, deps.clock()) };
}

/** A stable UUID for the run's proposal (name-based, SHA-256, version 8 layout). */
export function proposalDecisionId(agentRunId: number, what = 'proposal'): string {
  const b = createHash('sha256').update(`medic-agent-run:${agentRunId}:${what}`).digest().subarray(0, 16);
  b[6] = ((b[6] as number) & 0x0f) | 0x80;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The result a proposal is logged with, as the decision endpoint would answer it. */
export function proposalResult(deps: Pick<AgentDeps, 'policies'>, p: Proposal, hypotheses: readonly Hypothesis[], agentRunId: number, input: FailureInput, ctx: FailureContext, reason: string): DecisionResult {
  const o = p.option;
  return {
    action: o.action.kind, params: o.action, delay_s: delayOf(o.action, input.attempt), requires_approval: o.gated,
    approval: o.gated && o.approval.kind !== 'none' ? o.approval : null, policy_id: o.policyId, policy_revision: deps.policies.current().revision,
    reason, proposed: null, guardrail: null, shadow: [], explanation: [], degraded: null,
    evidence: { ...evidenceOf(ctx), agent_run_id: agentRunId, diagnosis: hypotheses, proposed_by: p.by, rationale: p.rationale },
  };
}

/** The decision row of a proposal; its budget key counts against the allowing policy's budget like any decision of it. */
export function proposalRow(deps: Pick<AgentDeps, 'policies'>, id: string, input: FailureInput, ctx: FailureContext, result: DecisionResult, now: Date): DecisionRow {
  const policy = deps.policies.current().policies.find((x) => x.id === result.policy_id);
  return {
    id, kind: 'failure', job: `${input.job.namespace}/${input.job.name}`, run_key: input.run?.key ?? null, attempt: input.attempt,
    fingerprint: ctx.signature.fingerprint, signature_id: ctx.signature.id, policy_id: result.policy_id, action: result.action, enforced: true,
    budget_key: policy ? budgetKey(policy, input, ctx.signature.fingerprint) : null, requires_approval: result.requires_approval, degraded: false,
    policy_revision: result.policy_revision, input, result, created_at: now,
  };
}

/** Writes the decision once: a step that runs again finds it there. Returns whether this call wrote it. */
export async function insertDecisionOnce(db: Queryable, row: DecisionRow): Promise<boolean> {
  const r = await db.query(
    `insert into decisions (id, kind, job, run_key, attempt, fingerprint, signature_id, policy_id, action, enforced,
                            budget_key, requires_approval, degraded, policy_revision, input, result, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
     on conflict (id) do nothing`,
    [row.id, row.kind, row.job, row.run_key, row.attempt, row.fingerprint, row.signature_id, row.policy_id, row.action, row.enforced,
      row.budget_key, row.requires_approval, row.degraded, row.policy_revision, JSON.stringify(row.input), JSON.stringify(row.result), row.created_at.toISOString()],
  );
  return (r.rowCount ?? 0) > 0;
}
