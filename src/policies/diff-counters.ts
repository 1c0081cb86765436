/**
 * What a policy diff counts: each changed decision adds to the counters that describe how it
 * changed and what history says of the change. `--fail-if` thresholds name these counters.
 */
import { isDestructive, type ActionKind } from './action.ts';
import type { Outcome, Verdict } from './backtest-score.ts';

export const COUNTERS = {
  changed: 'decisions that changed: the action, the deciding policy, the approval or a guardrail',
  actions_changed: 'decisions whose action changed',
  retries_added: 'failures the head retries and the base did not',
  retries_removed: 'failures the base retried and the head does not',
  unrecoverable_retries: 'added retries of runs that did not recover: the retry would have failed again',
  needless_escalations: 'failures the head takes to people (notify, agent, hold, approval) and the base did not, though the run recovered by itself',
  approvals_added: 'approvals the head asks for and the base did not',
  approvals_removed: 'approvals the base asked for and the head skips',
  approvals_removed_on_destructive: 'approvals skipped where the base gated a destructive action (rerun, skip, extend_deadline, webhook)',
  destructive_added: 'destructive actions the head decides and the base did not',
  escalations_removed_on_breach: 'failures the base took to people and the head does not, where a service of the job then missed its deadline',
  right_to_wrong: 'decisions right under the base and wrong under the head, against how each incident ended',
  wrong_to_right: 'decisions wrong under the base and right under the head',
} as const satisfies Record<string, string>;

export type CounterName = keyof typeof COUNTERS;
export const COUNTER_NAMES = Object.keys(COUNTERS) as [CounterName, ...CounterName[]];

/** Which counters weigh most when a few changes are shown as examples, most telling first. */
export const EXAMPLE_ORDER: readonly CounterName[] = [
  'unrecoverable_retries', 'approvals_removed_on_destructive', 'destructive_added', 'escalations_removed_on_breach', 'needless_escalations',
  'right_to_wrong', 'wrong_to_right', 'approvals_removed', 'approvals_added', 'retries_added', 'retries_removed', 'actions_changed', 'changed',
];

/** One revision's decision about a failure, as the diff compares it. */
export interface Side {
  action: ActionKind;
  policy_id: string | null;
  requires_approval: boolean;
  guardrail: string | null;
  verdict: Verdict;
}

/** What happened after the failure, whichever revision decided. */
export interface Facts {
  actual: Outcome;
  run_recovered: boolean;
  next_attempt: string | null;
  sla_missed: boolean | null;
}

const ESCALATIONS: ReadonlySet<ActionKind> = new Set(['notify', 'run_agent', 'hold_downstream']);
const involvesPeople = (d: Side) => d.requires_approval || ESCALATIONS.has(d.action);

/** The run stayed failed: known not to have recovered, or its next attempt failed too. */
const didNotRecover = (f: Facts) => !f.run_recovered && (f.actual !== 'open' || f.next_attempt === 'failed');

/** The counters one decision adds to; none when both revisions decided alike. */
export function countersOf(base: Side, head: Side, f: Facts): CounterName[] {
  const same = base.action === head.action && base.policy_id === head.policy_id && base.requires_approval === head.requires_approval && base.guardrail === head.guardrail;
  if (same) return [];
  const out: CounterName[] = ['changed'];
  const add = (when: boolean, name: CounterName) => { if (when) out.push(name); };
  add(base.action !== head.action, 'actions_changed');
  const retryAdded = head.action === 'retry' && base.action !== 'retry';
  add(retryAdded, 'retries_added');
  add(retryAdded && didNotRecover(f), 'unrecoverable_retries');
  add(base.action === 'retry' && head.action !== 'retry', 'retries_removed');
  add(involvesPeople(head) && !involvesPeople(base) && f.run_recovered, 'needless_escalations');
  add(head.requires_approval && !base.requires_approval, 'approvals_added');
  add(base.requires_approval && !head.requires_approval, 'approvals_removed');
  add(base.requires_approval && !head.requires_approval && isDestructive({ kind: base.action }), 'approvals_removed_on_destructive');
  add(isDestructive({ kind: head.action }) && !isDestructive({ kind: base.action }), 'destructive_added');
  add(involvesPeople(base) && !involvesPeople(head) && f.sla_missed === true, 'escalations_removed_on_breach');
  add(base.verdict === 'right' && head.verdict === 'wrong', 'right_to_wrong');
  add(base.verdict === 'wrong' && head.verdict === 'right', 'wrong_to_right');
  return out;
}

/** Every counter at zero. */
export const zeroCounters = (): Record<CounterName, number> => Object.fromEntries(COUNTER_NAMES.map((n) => [n, 0])) as Record<CounterName, number>;
