/**
 * The policy diff: the same history replayed through two revisions of the policies, decision by
 * decision — what changes, and what history says of each change (the run recovered by itself,
 * the retry would have failed again, the SLA was missed).
 */
import { replay, type BacktestDecision, type BacktestReport } from './backtest.ts';
import type { StoredFailure } from './backtest-sql.ts';
import { countersOf, EXAMPLE_ORDER, zeroCounters, type Side } from './diff-counters.ts';
import type { DecisionChange, PolicyDiff } from './diff-schema.ts';
import { aftermathOf, type ReplayHistory } from './history.ts';
import type { PolicySet } from './load.ts';
import { compareSets } from './revision-changes.ts';

/** A policy set and what to call it in the report (its folder, or `REF:path`). */
export interface Revision {
  label: string;
  set: PolicySet;
}

/** How many changes the report shows as examples. @defaultValue 5 */
export const EXAMPLES = 5;

const sideOf = (d: BacktestDecision): Side => ({ action: d.action, policy_id: d.policy_id, requires_approval: d.requires_approval, guardrail: d.guardrail, verdict: d.verdict });

function summary(r: Revision, report: BacktestReport): PolicyDiff['base'] {
  return {
    label: r.label, revision: r.set.revision, policies: r.set.policies.length, decisions_by_action: report.byAction, approvals: report.approvals,
    right: report.scorecard.right, wrong: report.scorecard.wrong, agreement: report.agreement,
  };
}

function changeOf(f: StoredFailure, b: BacktestDecision, h: BacktestDecision, history: ReplayHistory): DecisionChange | undefined {
  const after = aftermathOf(history, f);
  const facts = { actual: b.actual, run_recovered: f.run_recovered, ...after };
  const counters = countersOf(sideOf(b), sideOf(h), facts);
  if (counters.length === 0) return undefined;
  return {
    failed_at: f.failed_at.toISOString(), job: b.job, run_key: f.run_key, attempt: f.attempt, incident_id: f.incident_id, template: f.template,
    base: sideOf(b), head: sideOf(h), ...facts, counters,
  };
}

/** Up to `n` changes, the most telling first, one per job and kind of change before any repeats. */
export function pickExamples(changes: readonly DecisionChange[], n: number): DecisionChange[] {
  const rank = (c: DecisionChange) => Math.min(...c.counters.map((k) => EXAMPLE_ORDER.indexOf(k)));
  const ordered = [...changes].sort((a, b) => rank(a) - rank(b));
  const seen = new Set<string>();
  const first = ordered.filter((c) => {
    const key = `${c.job}\u0000${c.base.action}\u0000${c.head.action}\u0000${rank(c)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return [...first, ...ordered.filter((c) => !first.includes(c))].slice(0, n);
}

/**
 * Replays `history` through both revisions (failures before `since` only warm up the guardrail
 * counters) and compares their decisions one by one. Pure: the gates are left empty.
 */
export function diffRevisions(base: Revision, head: Revision, history: ReplayHistory, since: Date, examples = EXAMPLES): PolicyDiff {
  const rb = replay(base.set, history.failures, history.history, since);
  const rh = replay(head.set, history.failures, history.history, since);
  const compared = history.failures.filter((f) => f.failed_at.getTime() >= since.getTime());
  const changes: DecisionChange[] = [];
  compared.forEach((f, i) => {
    const b = rb.decisions[i];
    const h = rh.decisions[i];
    const c = b && h ? changeOf(f, b, h, history) : undefined;
    if (c) changes.push(c);
  });
  const counters = zeroCounters();
  for (const c of changes) for (const k of c.counters) counters[k] += 1;
  const transitions = new Map<string, { from: string; to: string; count: number }>();
  for (const c of changes.filter((x) => x.base.action !== x.head.action)) {
    const key = `${c.base.action}\u0000${c.head.action}`;
    const t = transitions.get(key) ?? { from: c.base.action, to: c.head.action, count: 0 };
    t.count += 1;
    transitions.set(key, t);
  }
  return {
    format: 'medic-policies-diff', version: 1,
    base: summary(base, rb), head: summary(head, rh),
    history: {
      origin: history.origin, anonymised: history.anonymised, since: since.toISOString(), from: history.from.toISOString(), until: history.until.toISOString(),
      cases: compared.length, first: compared[0]?.failed_at.toISOString() ?? null, last: compared.at(-1)?.failed_at.toISOString() ?? null,
    },
    policies: policyChanges(base.set, head.set),
    counters,
    transitions: [...transitions.values()].sort((a, b) => b.count - a.count || a.from.localeCompare(b.from) || a.to.localeCompare(b.to)),
    changes, examples: pickExamples(changes, examples), gates: [], notes: notesOf(rh, history),
  };
}

function policyChanges(base: PolicySet, head: PolicySet): PolicyDiff['policies'] {
  const c = compareSets(base, head);
  return { added: c.added, removed: c.removed, changed: c.changed, unchanged: c.unchanged, classes: { added: c.classes.added, removed: c.classes.removed, changed: c.classes.changed } };
}

function notesOf(r: BacktestReport, h: ReplayHistory): string[] {
  const notes = [...r.notes];
  if (h.anonymised) notes.push('The history is anonymised: policies that name jobs, sources or services, or match host names in templates, see aliases instead.');
  return notes;
}
