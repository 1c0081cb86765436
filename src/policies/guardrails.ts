import type { DecisionContext, FailureContext } from '../decide/context.ts';
import type { DecisionInput, FailureInput } from '../decide/schema.ts';
import { delayOf, type Action } from './action.ts';
import { inWindow } from './matcher.ts';
import type { Policy } from './schema.ts';

/** A guardrail that changed what the matched policy would have done. */
export type GuardrailTrip =
  | { kind: 'maintenance'; detail: string }
  | { kind: 'breaker'; detail: string; failures: number; withinMinutes: number }
  | { kind: 'budget'; detail: string; used: number; max: number }
  | { kind: 'sla'; detail: string; service: string; projectedFinish: Date; deadline: Date };

/** The key a policy's budget counts decisions under: the signature, the job, the target or the policy itself. */
export function budgetKey(p: Policy, input: DecisionInput, fingerprint: string | null): string | null {
  const b = p.guardrails.budget;
  if (!b) return null;
  const job = `${input.job.namespace}/${input.job.name}`;
  switch (b.per) {
    case 'signature':
      return fingerprint ? `signature:${fingerprint}` : `job:${job}`;
    case 'job':
      return `job:${job}`;
    case 'target':
      return `target:${input.kind === 'failure' && input.target ? input.target : job}`;
    case 'policy':
      return 'policy';
    default: {
      const never: never = b.per;
      return never;
    }
  }
}

/**
 * The guardrails of the matched policy, in the order they win: a maintenance window, then the
 * storm breaker, then the budget. Each one that trips replaces the action with a safe one.
 */
export function checkGuardrails(p: Policy, ctx: DecisionContext): { action: Action; trip: GuardrailTrip } | undefined {
  const g = p.guardrails;
  const inside = g.maintenance?.find((w) => inWindow(w, ctx.now));
  if (inside) {
    return {
      action: { kind: 'notify', page: false, severity: 'info' },
      trip: { kind: 'maintenance', detail: `inside a maintenance window (${inside.from}–${inside.to} ${inside.timeZone}): nothing is done automatically` },
    };
  }
  if (g.breaker && ctx.kind === 'failure') {
    const since = ctx.now.getTime() - g.breaker.within_minutes * 60_000;
    const failures = ctx.recentFailures.filter((t) => t >= since).length + 1; // and this one
    if (failures >= g.breaker.failures) {
      return {
        action: { kind: 'hold_downstream', reason: 'failure storm' },
        trip: { kind: 'breaker', failures, withinMinutes: g.breaker.within_minutes, detail: `${failures} failures of this signature in ${g.breaker.within_minutes} min: a storm, so downstream is held and people handle one incident instead of ${failures} retries` },
      };
    }
  }
  if (g.budget) {
    const used = ctx.budgetUsed[p.id] ?? 0;
    if (used >= g.budget.max) {
      return {
        action: { kind: 'notify', page: false, severity: 'warning' },
        trip: { kind: 'budget', used, max: g.budget.max, detail: `budget spent: ${used} of ${g.budget.max} ${p.action.kind} decisions per ${g.budget.per} in ${g.budget.window_minutes} min; escalated` },
      };
    }
  }
  return undefined;
}

/** A retry's success chance on this signature: what history shows, pulled toward an even chance when it shows little. */
export function successChance(ctx: FailureContext, action: string): number {
  const fix = ctx.fixes.find((f) => f.action === action);
  return ((fix?.successes ?? 0) + 1) / ((fix?.attempts ?? 0) + 2);
}

/**
 * SLA-aware escalation: a retry or rerun is expected to recover after its delay plus, on average,
 * 1/p runs of the job (p its success chance here). If the service that waits for the job would
 * then finish after its deadline — or push a service downstream past its own — people decide instead.
 */
export function checkSla(action: Action, input: FailureInput, ctx: FailureContext): { action: Action; trip: GuardrailTrip } | undefined {
  if (action.kind !== 'retry' && action.kind !== 'rerun') return undefined;
  const run = ctx.jobMedianMs ?? 10 * 60_000;
  const p = successChance(ctx, action.kind);
  const recovered = ctx.now.getTime() + delayOf(action, input.attempt) * 1000 + run / p;
  for (const s of ctx.services) {
    const f = s.forecast;
    if (!f) continue;
    // What the forecast expected of the rest of the service after this job, carried past the recovery.
    const after = f.jobEnd ? Math.max(0, f.etaP50.getTime() - f.jobEnd.getTime()) : 0;
    const finish = recovered + after;
    const late = [{ service: s.name, deadline: f.deadline, lag: 0 }, ...f.downstream.flatMap((d) => (d.deadline ? [{ service: d.service, deadline: d.deadline, lag: d.medianLagMs ?? 0 }] : []))]
      .find((x) => finish + x.lag > x.deadline.getTime());
    if (late) {
      const projected = new Date(finish + late.lag);
      return {
        action: { kind: 'notify', page: true, severity: 'critical' },
        trip: {
          kind: 'sla', service: late.service, projectedFinish: projected, deadline: late.deadline,
          detail: `a ${action.kind} would recover around ${hhmm(new Date(recovered))} UTC (${Math.round(p * 100)} % success here, ${Math.round(run / 60_000)} min a run), so ${late.service} would finish around ${hhmm(projected)} UTC, after its deadline ${hhmm(late.deadline)} UTC: escalated to people`,
        },
      };
    }
  }
  return undefined;
}

const hhmm = (d: Date) => d.toISOString().slice(11, 16);
