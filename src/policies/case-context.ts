import type { DecisionContext, PreflightCheck, ServiceContext } from '../decide/context.ts';
import { inputCheck } from '../decide/preflight.ts';
import { summariseFixes } from '../incidents/evidence.ts';
import type { Embedder } from '../signatures/embedder.ts';
import type { Given, GivenCheck, GivenService, PolicyCase } from './cases.ts';
import type { PolicySet } from './load.ts';
import { classSimilarity, offlineSignature } from './offline.ts';

const MIN = 60_000;

/** When a case says neither `given.now` nor `input.time`: a Monday at noon, so windows read plainly. */
export const DEFAULT_NOW = new Date('2026-01-05T12:00:00Z');

function service(s: GivenService, now: Date): ServiceContext {
  const forecast = s.deadline && s.p_breach !== undefined && s.eta_p50
    ? {
      at: now, instanceKey: 'case', deadline: s.deadline, pBreach: s.p_breach, etaP50: s.eta_p50,
      slackMs: s.slack_min !== undefined ? s.slack_min * MIN : s.deadline.getTime() - s.eta_p50.getTime(),
      jobEnd: s.job_end ?? null,
      downstream: s.downstream.map((d) => ({ service: d.service, deadline: d.deadline ?? null, medianLagMs: d.median_lag_min === undefined ? null : d.median_lag_min * MIN })),
    }
    : null;
  return { name: s.name, title: s.title ?? null, criticality: s.criticality, forecast };
}

/** A check as the preflight would have found it; input sizes go through Medic's own test. */
function check(c: GivenCheck): PreflightCheck {
  if (c.kind === 'upstream') return { kind: 'upstream', job: c.job, verdict: c.verdict, detail: c.detail ?? `upstream ${c.job} is ${c.verdict}` };
  if (c.verdict === undefined) {
    const judged = inputCheck(c.dataset, c.rows ?? null, c.history ?? []);
    return c.detail === undefined ? judged : { ...judged, detail: c.detail };
  }
  return {
    kind: 'input', dataset: c.dataset, verdict: c.verdict, rowCount: c.rows ?? null, median: null, z: null,
    history: c.history?.length ?? 0, detail: c.detail ?? `${c.dataset}: ${c.verdict}`,
  };
}

/** Failure times, newest first: a count is that many failures just now, inside any window. */
function recent(given: Given['recent_failures'], now: Date): number[] {
  if (given === undefined) return [];
  const minutesAgo = typeof given === 'number' ? new Array<number>(given).fill(0) : given;
  return minutesAgo.map((m) => now.getTime() - Math.round(m * MIN)).sort((a, b) => b - a);
}

/**
 * What Medic would know around a case's input, from its `given` and defaults: no history, no
 * services, no counters. A failure's signature is derived as the decision endpoint derives an
 * unseen one, and its class similarities computed with the policy set's embedder; `given.classes`
 * overrides them.
 */
export async function caseContext(c: PolicyCase, set: PolicySet, embedder: Embedder): Promise<DecisionContext> {
  const g = c.given;
  const now = g.now ?? c.input.time ?? DEFAULT_NOW;
  const services = g.services.map((s) => service(s, now));
  if (c.input.kind === 'preflight') return { kind: 'preflight', now, services, checks: g.checks.map(check), budgetUsed: { ...g.budget_used } };
  const sig = await offlineSignature(c.input.error.message, c.input.error.detail ?? null);
  const [vector] = await embedder.embed([sig.embeddingText]);
  return {
    kind: 'failure', now,
    signature: { id: null, fingerprint: sig.fingerprint, template: sig.template, exceptionType: sig.exceptionType, known: false },
    classes: { ...classSimilarity(set.classVectors, vector ?? []), ...g.classes },
    similar: [],
    fixes: summariseFixes(g.fixes.map((f) => ({
      signature_id: 0, action: f.action, detail: null, successes: f.successes, attempts: f.attempts,
      median_ttr_ms: f.median_ttr_min === undefined ? null : Math.round(f.median_ttr_min * MIN),
    }))),
    services,
    recentFailures: recent(g.recent_failures, now),
    budgetUsed: { ...g.budget_used },
    jobMedianMs: g.job_median_min === undefined ? null : Math.round(g.job_median_min * MIN),
  };
}
