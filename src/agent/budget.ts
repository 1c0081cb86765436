/**
 * The budgets of a run: steps (the policy's `max_steps`), tokens, and wall time. The wall time is
 * the configured one, cut to what the SLA leaves: the slack of the tightest service less the time
 * the recovery itself needs, so that the agent never spends the time the service needs to recover.
 */
import type { ForecastFacts } from './facts.ts';
import type { Budget, Used } from './schema.ts';

/** A recovery takes one run of the job; ten minutes when Medic has not seen one succeed. */
const DEFAULT_RECOVERY_MIN = 10;

/** The budget of a run, once the forecast is known. */
export function budgetOf(limits: { maxSteps: number; maxTokens: number; maxWallMs: number }, forecast: ForecastFacts | null): Budget {
  const base: Budget = { maxSteps: limits.maxSteps, maxTokens: limits.maxTokens, wallMs: limits.maxWallMs, wallReason: 'configured' };
  const recoveryMin = forecast?.job_median_min ?? DEFAULT_RECOVERY_MIN;
  const tightest = (forecast?.services ?? [])
    .flatMap((s) => (s.slack_min === null ? [] : [{ name: s.name, slack: s.slack_min }]))
    .sort((a, b) => a.slack - b.slack)[0];
  if (!tightest) return base;
  const leftMs = (tightest.slack - recoveryMin) * 60_000;
  if (leftMs >= base.wallMs) return base;
  return { ...base, wallMs: Math.max(0, leftMs), wallReason: `cut to ${tightest.name}'s slack of ${tightest.slack} min less the ${recoveryMin} min a recovery needs` };
}

/** Why the run must stop thinking now, or null while it is within every budget. `more` is the steps about to be taken. */
export function overBudget(budget: Budget, used: Used, elapsedMs: number, more = 1): string | null {
  if (used.steps + more > budget.maxSteps) return `step budget: ${used.steps} of ${budget.maxSteps} steps taken, ${more} more asked`;
  if (used.tokens > budget.maxTokens) return `token budget: ${used.tokens} of ${budget.maxTokens} tokens used`;
  if (elapsedMs > budget.wallMs) return `wall-time budget: ${Math.round(elapsedMs / 1000)} s of ${Math.round(budget.wallMs / 1000)} s (${budget.wallReason})`;
  return null;
}
