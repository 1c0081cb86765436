/**
 * The self-healing loop's middle: after Medic analysed a failed attempt into an incident, it
 * decides what to do itself (as an orchestrator would ask it) and, with `MEDIC_HEAL=on`, carries
 * out an ungated action through the executors or asks for approval of a gated one. In `shadow`
 * it only decides and logs; in `off` it does nothing.
 */
import type { AgentDeps } from '../agent/deps.ts';
import { startAgentFromDecision } from '../agent/heal.ts';
import { appendAudit } from '../approvals/audit.ts';
import { decide, type DecideDeps } from '../decide/decide.ts';
import { patient } from '../decide/patient.ts';
import type { DecisionResult } from '../decide/result.ts';
import type { FailureInput } from '../decide/schema.ts';
import { withTransaction } from '../db/pool.ts';
import type { Deps } from '../deps.ts';
import { getAttempt } from '../incidents/sql.ts';
import { Orchestrator } from '../runs/schema.ts';
import { enqueueExecution } from './execute.ts';
import { createExecution, planAction } from './plan.ts';
import { selectTargetableRun } from './target-sql.ts';

export type HealDeps = DecideDeps & Pick<Deps, 'queue'> & AgentDeps;

export type HealOutcome =
  | { kind: 'off' }
  | { kind: 'history'; ageMs: number }
  | { kind: 'shadow'; decisionId: string }
  | { kind: 'degraded'; decisionId: string }
  | { kind: 'gated'; decisionId: string; approvalId: number | null }
  | { kind: 'queued'; decisionId: string; executionId: number }
  | { kind: 'not-executed'; decisionId: string; reason: string }
  | { kind: 'agent'; decisionId: string; agentRunId: number };

/** Who Medic is when it asks itself: separation of duties keeps it from approving its own requests. */
export const MEDIC = 'medic';

/** Decides (and in `on`, acts) on the analysed failed attempt `attempt` of run `runId`, part of `incidentId`. */
export async function healFailure(deps: HealDeps, f: { runId: number; attempt?: number | undefined; incidentId: number; signatureId: number }): Promise<HealOutcome> {
  const mode = deps.config.heal;
  if (mode === 'off') return { kind: 'off' };
  const [attempt, run] = await Promise.all([getAttempt(deps.pool, f.runId, f.attempt), selectTargetableRun(deps.pool, f.runId)]);
  if (!attempt || !run) return { kind: 'off' };
  const now = deps.clock();
  const ageMs = now.getTime() - attempt.failed_at.getTime();
  if (ageMs > deps.config.healMaxAgeMs) return { kind: 'history', ageMs };
  const orchestrator = Orchestrator.safeParse(run.orchestrator);
  const input: FailureInput = {
    kind: 'failure', source: run.source, ...(orchestrator.success ? { orchestrator: orchestrator.data } : {}),
    job: { namespace: run.namespace, name: run.name }, run: { key: run.runKey }, attempt: attempt.attempt, requester: MEDIC,
    error: {
      message: (attempt.error_message ?? `${run.name} ${attempt.state} without an error message`).slice(0, 100_000),
      ...(attempt.error_detail ? { detail: attempt.error_detail.slice(0, 1_000_000) } : {}),
    },
  };
  // A worker deciding after an analysis keeps no one waiting; a degraded decision here would only mean doing nothing.
  const patientDeps = patient(deps);
  if (mode === 'shadow') return { kind: 'shadow', decisionId: (await decide(patientDeps, input, { gate: false, enforce: false })).decision_id };
  const answer = await decide(patientDeps, input, { incidentId: f.incidentId, runId: f.runId });
  const { result, decision_id: decisionId } = answer;
  if (result.degraded) return { kind: 'degraded', decisionId };
  if (result.requires_approval) return { kind: 'gated', decisionId, approvalId: answer.approval_id };
  return actOnDecision(deps, { decisionId, result, incidentId: f.incidentId, runId: f.runId, jobId: attempt.job_id, attempt: attempt.attempt, signatureId: f.signatureId, now });
}

/** A logged, ungated decision of the heal loop and the failed attempt it is about. */
export interface HealDecision {
  decisionId: string;
  result: DecisionResult;
  incidentId: number;
  runId: number;
  jobId: number;
  attempt: number;
  signatureId: number | null;
  now: Date;
}

/**
 * Carries out the heal loop's ungated decision: starts its agent, or creates its execution (once
 * per decision) and queues it. Also how a decision logged just before a crash is acted on when it
 * is recovered (`recover.ts`).
 */
export async function actOnDecision(deps: HealDeps, d: HealDecision): Promise<HealOutcome> {
  const { decisionId, result, now } = d;
  if (result.params.kind === 'run_agent') {
    const started = await startAgentFromDecision(deps, { decisionId, action: result.params, policyId: result.policy_id, reason: result.reason, incidentId: d.incidentId, runId: d.runId, attempt: d.attempt, requestedBy: MEDIC });
    return started.kind === 'agent' ? { kind: 'agent', decisionId, agentRunId: started.agentRunId } : { kind: 'not-executed', decisionId, reason: started.reason };
  }
  const plan = await planAction(deps, { decisionId, action: result.params, runId: d.runId });
  const ids = { incidentId: d.incidentId, decisionId, approvalId: null };
  const made = await withTransaction(deps.pool, async (tx) => {
    await appendAudit(tx, { at: now, actor: MEDIC, kind: 'decision.taken', ...ids, detail: { policy_id: result.policy_id, policy_revision: result.policy_revision, action: result.params, reason: result.reason } });
    if (plan.kind === 'none') {
      await appendAudit(tx, { at: now, actor: MEDIC, kind: 'execution.not_executed', ...ids, detail: { reason: plan.reason } });
      return null;
    }
    return createExecution(tx, {
      decisionId, approvalId: null, incidentId: d.incidentId, signatureId: d.signatureId, policyId: result.policy_id, jobId: d.jobId,
      runId: d.runId, attempt: d.attempt, source: plan.source, action: result.params, target: plan.target, actor: MEDIC, createdAt: now,
      delayS: result.delay_s,
    });
  });
  if (!made) return { kind: 'not-executed', decisionId, reason: plan.kind === 'none' ? plan.reason : '' };
  await enqueueExecution(deps, made.id, made.delayMs);
  return { kind: 'queued', decisionId, executionId: made.id };
}
