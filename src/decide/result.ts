import type { Action } from '../policies/action.ts';
import type { Decision } from '../policies/engine.ts';
import type { DecisionContext } from './context.ts';

/** The `result` of a decision as the endpoint answers it (Open Policy Agent's shape: `{decision_id, result}`). */
export interface DecisionResult {
  /** The action's kind: what the orchestrator should do. */
  action: Action['kind'];
  /** The action with its settings. */
  params: Action;
  delay_s: number;
  requires_approval: boolean;
  approval: Decision['approval'];
  policy_id: string | null;
  policy_revision: string;
  reason: string;
  /** What the matched policy wanted, when a guardrail or the SLA check replaced it. */
  proposed: Action | null;
  guardrail: Decision['guardrail'];
  shadow: Decision['shadow'];
  evidence: Record<string, unknown>;
  explanation: Decision['explanation'];
  /** Set when Medic could not decide and answered its safe default. */
  degraded: { reason: string } | null;
}

/** The evidence a person (or the orchestrator's log) sees beside the action. */
export function evidenceOf(ctx: DecisionContext): Record<string, unknown> {
  const services = ctx.services.map((s) => ({
    service: s.name, criticality: s.criticality,
    forecast: s.forecast && { at: s.forecast.at, instance: s.forecast.instanceKey, p_breach: s.forecast.pBreach, slack_min: Math.round(s.forecast.slackMs / 60_000), eta_p50: s.forecast.etaP50, deadline: s.forecast.deadline },
  }));
  if (ctx.kind === 'preflight') return { checks: ctx.checks, services };
  return {
    signature: { id: ctx.signature.id, template: ctx.signature.template, exception_type: ctx.signature.exceptionType, known: ctx.signature.known },
    classes: ctx.classes,
    similar_incidents: ctx.similar,
    success_rates: ctx.fixes.map((f) => ({ action: f.action, successes: f.successes, attempts: f.attempts, rate: f.attempts ? Math.round((f.successes / f.attempts) * 1000) / 1000 : null, median_ttr_ms: f.median_ttr_ms, summary: f.summary })),
    recent_failures: ctx.recentFailures.length,
    forecast: services,
  };
}

export function toResult(d: Decision, ctx: DecisionContext, revision: string): DecisionResult {
  return {
    action: d.action.kind, params: d.action, delay_s: d.delayS, requires_approval: d.requiresApproval, approval: d.approval,
    policy_id: d.policyId, policy_revision: revision, reason: d.reason, proposed: d.proposed, guardrail: d.guardrail,
    shadow: d.shadow, evidence: evidenceOf(ctx), explanation: d.explanation, degraded: null,
  };
}
