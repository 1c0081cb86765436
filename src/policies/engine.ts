import type { DecisionContext, PreflightContext } from '../decide/context.ts';
import type { DecisionInput } from '../decide/schema.ts';
import { delayOf, type Action } from './action.ts';
import { budgetKey, checkGuardrails, checkSla, type GuardrailTrip } from './guardrails.ts';
import { matchPolicy } from './matcher.ts';
import type { Approval, Policy } from './schema.ts';

/** Enforcing policies below the winner that an explanation still names. */
const NEIGHBOURS = 2;

/** Why one policy did or did not match. */
export interface Explanation {
  policy_id: string;
  priority: number;
  mode: Policy['mode'];
  matched: boolean;
  because: string;
}

/** What a shadow policy would have done, logged beside the real decision and never acted on. */
export interface ShadowDecision {
  policy_id: string;
  action: Action;
  reason: string;
}

/** The outcome of evaluating the policies for one input: pure, the same input and context give the same decision. */
export interface Decision {
  action: Action;
  /** What the matched policy asked for, when a guardrail or the SLA check replaced it. */
  proposed: Action | null;
  policyId: string | null;
  reason: string;
  delayS: number;
  requiresApproval: boolean;
  approval: Approval | null;
  guardrail: GuardrailTrip | null;
  /** The key the matched policy's budget counts this decision under. */
  budgetKey: string | null;
  shadow: ShadowDecision[];
  explanation: Explanation[];
}

/**
 * Evaluates the policies (sorted by priority, highest first) for an input: the first enforcing
 * policy that matches decides, then its guardrails and, for a failure, the SLA check may replace
 * its action with a safe one. Shadow policies that match are reported beside it.
 */
export function evaluate(policies: readonly Policy[], input: DecisionInput, ctx: DecisionContext): Decision {
  const explanation: Explanation[] = [];
  const shadow: ShadowDecision[] = [];
  let winner: Policy | undefined;
  let unreached = 0;
  for (const p of policies) {
    if (p.on !== input.kind) continue;
    if (winner && p.mode === 'enforce') {
      // Past the winner only its next neighbours are named, unevaluated: they explain the
      // decision, the rest would only lengthen every entry of the decision log.
      if (unreached++ < NEIGHBOURS) explanation.push({ policy_id: p.id, priority: p.priority, mode: p.mode, matched: false, because: `not reached: ${winner.id} matched first` });
      continue;
    }
    const v = matchPolicy(p, input, ctx);
    explanation.push({ policy_id: p.id, priority: p.priority, mode: p.mode, matched: v.matched, because: v.because });
    if (!v.matched) continue;
    if (p.mode === 'shadow') shadow.push({ policy_id: p.id, action: p.action, reason: p.description });
    else winner ??= p;
  }
  if (!winner) return { ...fallback(input, ctx), shadow, explanation };
  const attempt = input.kind === 'failure' ? input.attempt : 1;
  const base = { policyId: winner.id, budgetKey: budgetKey(winner, input, ctx.kind === 'failure' ? ctx.signature.fingerprint : null), shadow, explanation };
  const guarded = checkGuardrails(winner, ctx) ?? (input.kind === 'failure' && ctx.kind === 'failure' ? checkSla(winner.action, input, ctx) : undefined);
  if (guarded) {
    return {
      ...base, action: guarded.action, proposed: winner.action, delayS: 0, guardrail: guarded.trip,
      reason: `${winner.id}: ${guarded.trip.detail}`, requiresApproval: false, approval: null,
    };
  }
  const gated = winner.approval.kind !== 'none';
  return {
    ...base, action: winner.action, proposed: null, delayS: delayOf(winner.action, attempt), guardrail: null,
    reason: `${winner.id}: ${winner.description}${preflightWhy(ctx)}`, requiresApproval: gated, approval: gated ? winner.approval : null,
  };
}

/** With no policy matched: a preflight goes or holds on its checks; a failure goes to people. */
function fallback(input: DecisionInput, ctx: DecisionContext): Omit<Decision, 'shadow' | 'explanation'> {
  const none = { proposed: null, policyId: null, delayS: 0, requiresApproval: false, approval: null, guardrail: null, budgetKey: null };
  if (ctx.kind === 'preflight') {
    const failed = ctx.checks.filter((c) => c.verdict !== 'ok' && c.verdict !== 'unknown');
    return failed.length
      ? { ...none, action: { kind: 'hold', reason: failed.map((c) => c.detail).join('; ') }, reason: `hold: ${failed.map((c) => c.detail).join('; ')}` }
      : { ...none, action: { kind: 'go' }, reason: `go: ${ctx.checks.length ? ctx.checks.map((c) => c.detail).join('; ') : 'nothing to check'}` };
  }
  return { ...none, action: { kind: 'notify', page: false, severity: 'warning' }, reason: `no policy matches a failure of ${input.job.namespace}/${input.job.name}: people decide` };
}

function preflightWhy(ctx: DecisionContext): string {
  if (ctx.kind !== 'preflight') return '';
  const failed = (ctx as PreflightContext).checks.filter((c) => c.verdict !== 'ok' && c.verdict !== 'unknown');
  return failed.length ? ` (${failed.map((c) => c.detail).join('; ')})` : '';
}
