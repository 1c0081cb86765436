/**
 * The backtest: what a candidate policy set would have decided about every failure stored since
 * a time, replayed in the order they failed, each decided with only what Medic knew then.
 */
import type { ServiceContext } from '../decide/context.ts';
import { servicesOfJob } from '../decide/sql.ts';
import type { Queryable } from '../db/pool.ts';
import type { ActionKind } from './action.ts';
import { createCounter, fixesAsOf, inputOf } from './backtest-history.ts';
import { agreement, emptyScorecard, outcomeOf, score, type Outcome, type Scorecard, type Verdict } from './backtest-score.ts';
import { failuresSince, nearSignatures, resolutionsOf, type PastResolution, type StoredFailure } from './backtest-sql.ts';
import { evaluate } from './engine.ts';
import type { GuardrailTrip } from './guardrails.ts';
import { budgetKey } from './guardrails.ts';
import type { PolicySet } from './load.ts';
import { classSimilarity } from './offline.ts';
import { NEAREST, SAME_FAILURE } from '../decide/gather.ts';

const MIN = 60_000;

/** What Medic knew besides the failures themselves. */
export interface BacktestHistory {
  /** Per signature, the signatures taken for the same failure (itself included). */
  near: ReadonlyMap<number, readonly number[]>;
  resolutions: readonly PastResolution[];
  /** Per job (`namespace/name`), the services holding it, without forecasts. */
  services: ReadonlyMap<string, ServiceContext[]>;
}

/** One replayed failure and what the policies decided about it. */
export interface BacktestDecision {
  failed_at: Date;
  job: string;
  attempt: number;
  incident_id: number;
  signature_id: number;
  action: ActionKind;
  policy_id: string | null;
  guardrail: GuardrailTrip['kind'] | null;
  requires_approval: boolean;
  actual: Outcome;
  verdict: Verdict;
}

export interface BacktestReport {
  revision: string;
  since: Date;
  /** The first and last failure replayed; null when there was none. */
  first: Date | null;
  last: Date | null;
  failures: number;
  /** Failures just before `since`, replayed only to warm up the guardrail counters. */
  warmup: number;
  byAction: Record<string, number>;
  byPolicy: Record<string, number>;
  approvals: number;
  guardrails: Record<GuardrailTrip['kind'], number>;
  /** How often each shadow policy matched beside the real decision. */
  shadow: Record<string, number>;
  scorecard: Scorecard;
  /** Right out of scored; null when nothing could be scored. */
  agreement: number | null;
  notes: string[];
  decisions: BacktestDecision[];
}

/** How far before `since` failures warm up the counters: the longest breaker or budget window. */
export function warmupMinutes(set: PolicySet): number {
  return Math.max(0, ...set.policies.filter((p) => p.on === 'failure').map((p) => Math.max(p.guardrails.breaker?.within_minutes ?? 0, p.guardrails.budget?.window_minutes ?? 0)));
}

const bump = (r: Record<string, number>, k: string) => { r[k] = (r[k] ?? 0) + 1; };

/**
 * Replays failures (sorted as they failed) through the policy set. Each is decided as of its own
 * time: fixes from resolutions made before it, the storm breaker and budgets from the replay's
 * own earlier failures and decisions, services without forecasts. Pure.
 */
export function replay(set: PolicySet, failures: readonly StoredFailure[], history: BacktestHistory, since: Date): BacktestReport {
  const breakerMin = Math.max(0, ...set.policies.map((p) => p.guardrails.breaker?.within_minutes ?? 0));
  const budgeted = set.policies.filter((p) => p.on === 'failure' && p.guardrails.budget);
  const failed = createCounter();
  const spent = createCounter();
  const vectors = new Map<number, number[]>();
  const bySignature = new Map<number, PastResolution[]>();
  for (const r of history.resolutions) {
    const list = bySignature.get(r.signature_id);
    if (list) list.push(r);
    else bySignature.set(r.signature_id, [r]);
  }
  const report: BacktestReport = {
    revision: set.revision, since, first: null, last: null, failures: 0, warmup: 0, byAction: {}, byPolicy: {}, approvals: 0,
    guardrails: { budget: 0, breaker: 0, maintenance: 0, sla: 0 }, shadow: {}, scorecard: emptyScorecard(), agreement: null, notes: [], decisions: [],
  };
  for (const f of failures) {
    const input = inputOf(f);
    const now = f.failed_at;
    const job = `${f.namespace}/${f.name}`;
    const sigKey = String(f.signature_id);
    if (!vectors.has(f.signature_id)) vectors.set(f.signature_id, f.embedding ? (JSON.parse(f.embedding) as number[]) : []);
    const known = f.signature_first_seen_at.getTime() < now.getTime();
    const near = history.near.get(f.signature_id) ?? [f.signature_id];
    const budgetUsed: Record<string, number> = {};
    for (const p of budgeted) {
      const key = budgetKey(p, input, f.fingerprint);
      const window = (p.guardrails.budget?.window_minutes ?? 0) * MIN;
      if (key) budgetUsed[p.id] = spent.since(`${p.id}\u0000${key}`, now.getTime() - window + 1).length;
    }
    const decision = evaluate(set.policies, input, {
      kind: 'failure', now,
      signature: { id: known ? f.signature_id : null, fingerprint: f.fingerprint, template: f.template, exceptionType: f.exception_type, known },
      classes: classSimilarity(set.classVectors, vectors.get(f.signature_id) ?? []),
      similar: [],
      fixes: fixesAsOf(near.flatMap((id) => bySignature.get(id) ?? []), now),
      services: history.services.get(job) ?? [],
      recentFailures: failed.since(sigKey, now.getTime() - breakerMin * MIN),
      budgetUsed,
      // It only prices a retry against a forecast, and there are none.
      jobMedianMs: null,
    });
    // As the decision log counts them: only a policy's own action spends its budget.
    if (decision.guardrail === null && decision.policyId && decision.budgetKey) spent.add(`${decision.policyId}\u0000${decision.budgetKey}`, now.getTime());
    failed.add(sigKey, now.getTime());
    if (now.getTime() < since.getTime()) {
      report.warmup += 1;
      continue;
    }
    report.failures += 1;
    report.first ??= now;
    report.last = now;
    bump(report.byAction, decision.action.kind);
    bump(report.byPolicy, decision.policyId ?? '(no policy)');
    if (decision.requiresApproval) report.approvals += 1;
    if (decision.guardrail) report.guardrails[decision.guardrail.kind] += 1;
    for (const s of decision.shadow) bump(report.shadow, s.policy_id);
    const actual = outcomeOf(f.resolution, f.run_recovered);
    const verdict = score(report.scorecard, decision.action.kind, actual);
    report.decisions.push({
      failed_at: now, job, attempt: f.attempt, incident_id: f.incident_id, signature_id: f.signature_id, action: decision.action.kind,
      policy_id: decision.policyId, guardrail: decision.guardrail?.kind ?? null, requires_approval: decision.requiresApproval, actual, verdict,
    });
  }
  report.agreement = agreement(report.scorecard);
  report.notes = notes(report, warmupMinutes(set));
  return report;
}

function notes(r: BacktestReport, warmup: number): string[] {
  return [
    'No forecasts are kept for past times: services are known from their definitions, but the SLA criteria (match.sla) and the SLA check saw no forecast, so neither could fire.',
    `What fixed a failure is read from the resolutions made before it, of its signature and of those the endpoint takes for the same (similarity ≥ ${SAME_FAILURE}).`,
    `The storm breaker and budgets count the replay's own failures and decisions${warmup ? `; ${r.warmup} failures in the ${warmup} min before the window only warmed them up` : ''}.`,
    'Signatures are as stored now (a template the miner generalised later is matched in its latest form); only failures are replayed, not preflights.',
  ];
}

/** The failures stored since `from`, in the order they failed, with what Medic knew besides them. */
export async function historySince(db: Queryable, from: Date): Promise<{ failures: StoredFailure[]; history: BacktestHistory }> {
  const failures = await failuresSince(db, from);
  const near = await nearSignatures(db, [...new Set(failures.map((f) => f.signature_id))], NEAREST, SAME_FAILURE);
  const resolutions = await resolutionsOf(db, [...new Set([...near.values()].flat())]);
  const services = new Map<string, ServiceContext[]>();
  for (const job of new Set(failures.map((f) => `${f.namespace}/${f.name}`))) {
    services.set(job, (await servicesOfJob(db, job)).map((s) => ({ ...s, forecast: null })));
  }
  return { failures, history: { near, resolutions, services } };
}

/** Loads the failures since `since` (and the warm-up before it) with their history, and replays them. */
export async function backtest(db: Queryable, set: PolicySet, since: Date): Promise<BacktestReport> {
  const { failures, history } = await historySince(db, new Date(since.getTime() - warmupMinutes(set) * MIN));
  return replay(set, failures, history, since);
}
