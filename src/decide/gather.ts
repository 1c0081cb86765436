import { createHash } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { summariseFixes } from '../incidents/evidence.ts';
import { resolutionStats, similarSignatures } from '../incidents/read-sql.ts';
import { budgetKey } from '../policies/guardrails.ts';
import type { PolicySet } from '../policies/load.ts';
import { classSimilarity } from '../policies/offline.ts';
import type { FailureContext, PreflightChecks, PreflightContext } from './context.ts';
import type { DecisionInput, FailureInput, PreflightInput } from './schema.ts';
import type { DerivedSignature } from '../signatures/service.ts';
import type { JobFacts, SignatureFacts } from './cache.ts';
import type { BudgetAsk } from './guard-memory.ts';
import { guardCounters, incidentsOf, jobMedianMs, servicesOfJob, signatureIdByFingerprint, type GuardCounters } from './sql.ts';

/** Signatures at least this close count as the same failure for success rates. */
export const SAME_FAILURE = 0.8;
/** How many nearest signatures a decision looks at. */
export const NEAREST = 5;

const jobKey = (input: DecisionInput) => `${input.job.namespace}/${input.job.name}`;

export type GatherDeps = Pick<Deps, 'pool' | 'signatures' | 'embedder' | 'decideCache' | 'guard'>;

interface Counted extends GuardCounters {
  budgets: BudgetAsk[];
  /** How old the in-memory counters were; null when read from the store. */
  ageMs: number | null;
}

/**
 * The counters the matched policies' guardrails may read: failures for the breakers, decisions
 * for the budgets. From memory when it covers the windows (the usual case); from the store for a
 * decision about a moment before them.
 */
async function counters(deps: GatherDeps, set: PolicySet, input: DecisionInput, sig: { id: number | null; fingerprint: string } | null, now: Date): Promise<Counted> {
  const breakers = set.policies.flatMap((p) => (p.on === input.kind && p.guardrails.breaker ? [p.guardrails.breaker] : []));
  const windowMinutes = Math.max(0, ...breakers.map((b) => b.within_minutes));
  const budgets = set.policies.flatMap((p) => {
    const b = p.guardrails.budget;
    const key = b && p.on === input.kind ? budgetKey(p, input, sig?.fingerprint ?? null) : null;
    return b && key ? [{ policyId: p.id, key, windowMinutes: b.window_minutes, max: b.max }] : [];
  });
  const failures = sig && windowMinutes > 0
    ? { signatureId: sig.id, fingerprint: sig.fingerprint, since: new Date(now.getTime() - windowMinutes * 60_000), cap: Math.max(...breakers.map((b) => b.failures)) }
    : null;
  if (!failures && budgets.length === 0) return { recentFailures: [], budgetUsed: {}, budgets, ageMs: null };
  await deps.guard.ready();
  const t = now.getTime();
  const from = t - Math.max(windowMinutes, ...budgets.map((b) => b.windowMinutes)) * 60_000;
  if (!deps.guard.covers(from)) return { ...(await guardCounters(deps.pool, failures, budgets, now)), budgets, ageMs: null };
  return {
    recentFailures: failures ? deps.guard.recentFailures({ ...failures, since: failures.since.getTime() }) : [],
    budgetUsed: await deps.guard.ledger.used(budgets, t),
    budgets,
    ageMs: deps.guard.age(),
  };
}

/** A job's services (with their latest forecasts) and usual run time, cached per job. */
export function jobFacts(deps: Pick<GatherDeps, 'pool' | 'decideCache'>, job: string): Promise<JobFacts> {
  return deps.decideCache.jobs.get(job, async () => {
    const [services, medianMs] = await Promise.all([servicesOfJob(deps.pool, job), jobMedianMs(deps.pool, job)]);
    return { services, medianMs, loadedAt: Date.now() };
  });
}

/** A failure text's signature, derived once per text while cached. */
function derive(deps: GatherDeps, message: string, detail: string | null): Promise<DerivedSignature> {
  const text = detail ? `${message}\u0000${detail}` : message;
  const key = text.length > 512 ? createHash('sha1').update(text).digest('base64') : text;
  return deps.decideCache.derived.get(key, () => deps.signatures.match(message, detail));
}

/** What Medic knows of a signature — its id, neighbours, what fixed them, past incidents, classes — cached per fingerprint. */
function signatureFacts(deps: GatherDeps, set: PolicySet, sig: DerivedSignature): Promise<SignatureFacts> {
  return deps.decideCache.signatures.get(signatureKey(sig.fingerprint, set), async () => {
    const [[embedding], signatureId] = await Promise.all([deps.embedder.embed([sig.embeddingText]), signatureIdByFingerprint(deps.pool, sig)]);
    return factsOf(deps, set, signatureId, embedding ?? []);
  });
}

/** The cache key of a signature's facts: the classes in them come from the policies. */
export const signatureKey = (fingerprint: string, set: PolicySet) => `${fingerprint}|${set.revision}`;

/** A signature's facts from its stored id (if any) and its vector. */
export async function factsOf(deps: Pick<GatherDeps, 'pool'>, set: PolicySet, signatureId: number | null, vector: number[]): Promise<SignatureFacts> {
  const near = vector.length ? await similarSignatures(deps.pool, vector, NEAREST, 0.5) : [];
  const same = near.filter((s) => s.similarity >= SAME_FAILURE).map((s) => s.id);
  const [stats, similar] = await Promise.all([resolutionStats(deps.pool, same), incidentsOf(deps.pool, near, NEAREST)]);
  return { signatureId, classes: classSimilarity(set.classVectors, vector), near, fixes: summariseFixes(stats), similar, loadedAt: Date.now() };
}

/**
 * Everything the policies may ask about a failure: its signature, the incident classes it
 * resembles, similar past incidents and what fixed them, the services the job belongs to with
 * their forecasts, recent failures of the signature and the budgets spent. What changes slowly
 * comes from the caches; the guardrails' counters are read fresh, in one round trip.
 */
export async function failureContext(deps: GatherDeps, set: PolicySet, input: FailureInput, now: Date): Promise<FailureContext> {
  const sig = await derive(deps, input.error.message, input.error.detail ?? null);
  const [facts, job] = await Promise.all([signatureFacts(deps, set, sig), jobFacts(deps, jobKey(input))]);
  const { ageMs, budgets, ...counted } = await counters(deps, set, input, { id: facts.signatureId, fingerprint: sig.fingerprint }, now);
  return {
    kind: 'failure', now,
    signature: { id: facts.signatureId, fingerprint: sig.fingerprint, template: sig.template, exceptionType: sig.exceptionType, known: facts.signatureId !== null },
    classes: facts.classes, similar: facts.similar, fixes: facts.fixes, services: job.services, jobMedianMs: job.medianMs, ...counted,
    factsAgeMs: oldest(ageMs, facts.loadedAt, job.loadedAt), budgets,
  };
}

/** What a preflight needs: the services the job belongs to, and the input and upstream checks. */
export async function preflightContext(
  deps: GatherDeps, set: PolicySet, input: PreflightInput, now: Date,
  checks: PreflightChecks,
): Promise<PreflightContext> {
  const [job, found, counted] = await Promise.all([jobFacts(deps, jobKey(input)), checks(input, now), counters(deps, set, input, null, now)]);
  return { kind: 'preflight', now, services: job.services, checks: found.checks, budgetUsed: counted.budgetUsed, factsAgeMs: oldest(counted.ageMs, job.loadedAt, found.loadedAt), budgets: counted.budgets };
}

/** The age of the oldest fact a decision used, in ms, from the counters' age and when cached facts were loaded (epoch ms). */
function oldest(countersAgeMs: number | null, ...loadedAt: number[]): number {
  const wall = Date.now();
  return Math.round(Math.max(countersAgeMs ?? 0, ...loadedAt.map((t) => wall - t)));
}
