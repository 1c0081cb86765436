import type { Deps } from '../deps.ts';
import { summariseFixes } from '../incidents/evidence.ts';
import { resolutionStats, similarSignatures } from '../incidents/read-sql.ts';
import { budgetKey } from '../policies/guardrails.ts';
import type { PolicySet } from '../policies/load.ts';
import { classSimilarity } from '../policies/offline.ts';
import type { FailureContext, PreflightContext } from './context.ts';
import type { DecisionInput, FailureInput, PreflightInput } from './schema.ts';
import { budgetCounts, incidentsOf, jobMedianMs, recentFailures, servicesOfJob, signatureIdByFingerprint } from './sql.ts';

/** Signatures at least this close count as the same failure for success rates. */
export const SAME_FAILURE = 0.8;
/** How many nearest signatures a decision looks at. */
export const NEAREST = 5;

const jobKey = (input: DecisionInput) => `${input.job.namespace}/${input.job.name}`;

/** Decisions each budgeted policy has already taken under the key this input would count under. */
async function budgets(deps: Pick<Deps, 'pool'>, set: PolicySet, input: DecisionInput, fingerprint: string | null, now: Date): Promise<Record<string, number>> {
  const specs = set.policies.flatMap((p) => {
    const b = p.guardrails.budget;
    const key = b && p.on === input.kind ? budgetKey(p, input, fingerprint) : null;
    return b && key ? [{ policyId: p.id, key, windowMinutes: b.window_minutes }] : [];
  });
  return budgetCounts(deps.pool, specs, now);
}

/**
 * Everything the policies may ask about a failure: its signature, the incident classes it
 * resembles, similar past incidents and what fixed them, the services the job belongs to with
 * their forecasts, recent failures of the signature and the budgets spent. Independent lookups
 * run side by side.
 */
export async function failureContext(deps: Pick<Deps, 'pool' | 'signatures' | 'embedder'>, set: PolicySet, input: FailureInput, now: Date): Promise<FailureContext> {
  const sig = await deps.signatures.match(input.error.message, input.error.detail ?? null);
  const [[embedding], signatureId] = await Promise.all([deps.embedder.embed([sig.embeddingText]), signatureIdByFingerprint(deps.pool, sig.fingerprint)]);
  const vector = embedding ?? [];
  const windowMinutes = Math.max(0, ...set.policies.map((p) => p.guardrails.breaker?.within_minutes ?? 0));
  const [near, services, failures, medianMs] = await Promise.all([
    vector.length ? similarSignatures(deps.pool, vector, NEAREST, 0.5) : Promise.resolve([]),
    servicesOfJob(deps.pool, jobKey(input)),
    windowMinutes > 0 ? recentFailures(deps.pool, signatureId, sig.fingerprint, new Date(now.getTime() - windowMinutes * 60_000)) : Promise.resolve([]),
    jobMedianMs(deps.pool, jobKey(input)),
  ]);
  const same = near.filter((s) => s.similarity >= SAME_FAILURE).map((s) => s.id);
  const [stats, similar] = await Promise.all([resolutionStats(deps.pool, same), incidentsOf(deps.pool, near, NEAREST)]);
  const base: Omit<FailureContext, 'budgetUsed'> = {
    kind: 'failure', now,
    signature: { id: signatureId, fingerprint: sig.fingerprint, template: sig.template, exceptionType: sig.exceptionType, known: signatureId !== null },
    classes: classSimilarity(set.classVectors, vector), similar, fixes: summariseFixes(stats), services, recentFailures: failures, jobMedianMs: medianMs,
  };
  return { ...base, budgetUsed: await budgets(deps, set, input, sig.fingerprint, now) };
}

/** What a preflight needs: the services the job belongs to, and the input and upstream checks. */
export async function preflightContext(
  deps: Pick<Deps, 'pool'>, set: PolicySet, input: PreflightInput, now: Date,
  checks: (input: PreflightInput, now: Date) => Promise<PreflightContext['checks']>,
): Promise<PreflightContext> {
  const [services, found] = await Promise.all([servicesOfJob(deps.pool, jobKey(input)), checks(input, now)]);
  const base: Omit<PreflightContext, 'budgetUsed'> = { kind: 'preflight', now, services, checks: found };
  return { ...base, budgetUsed: await budgets(deps, set, input, null, now) };
}
