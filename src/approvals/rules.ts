/**
 * The rules of approvals, pure: who may vote, when a request is decided, what a modification
 * may change, and when a request stops being worth waiting for.
 */
import type { ServiceContext } from '../decide/context.ts';
import { Action } from '../policies/action.ts';
import type { ApprovalStatus, Approver, Requirement, Vote } from './schema.ts';

/** What a vote or a modification needs to know about its request. */
export interface Ballot {
  status: ApprovalStatus;
  requirement: Requirement;
  requester: string | null;
  /** The agent that proposed the action, when one did: it may not approve it either. */
  proposedBy: string | null;
  expiresAt: Date;
  actionVersion: number;
  votes: readonly Pick<Vote, 'approver' | 'verdict' | 'action_version'>[];
}

/** Why a vote (or a modification) was refused; `code` maps to an HTTP status in one place. */
export interface Refusal {
  kind: 'refused';
  code: 'closed' | 'expired' | 'stale' | 'not_an_approver' | 'not_in_group' | 'separation_of_duties' | 'already_voted' | 'out_of_bounds';
  reason: string;
}

const refuse = (code: Refusal['code'], reason: string): Refusal => ({ kind: 'refused', code, reason });

/** Whether `name` (the configured `approver`, when there is one) may vote on the request now. */
export function mayVote(b: Ballot, name: string, approver: Approver | undefined, now: Date): { kind: 'allowed' } | Refusal {
  if (b.status !== 'pending') return refuse('closed', `the request is ${b.status}`);
  if (now.getTime() >= b.expiresAt.getTime()) return refuse('expired', `the request expired at ${b.expiresAt.toISOString()}`);
  if (!approver) return refuse('not_an_approver', `"${name}" is not a configured approver (MEDIC_APPROVERS)`);
  const groups = b.requirement.groups;
  if (!approver.groups.some((g) => groups.includes(g))) {
    return refuse('not_in_group', `"${name}" is in ${approver.groups.join(', ') || 'no group'}, not in ${groups.join(', ')}`);
  }
  if (b.requirement.separation_of_duties && (name === b.requester || name === b.proposedBy)) {
    return refuse('separation_of_duties', `"${name}" asked for this action and may not approve it (separation of duties)`);
  }
  if (b.votes.some((v) => v.approver === name && v.action_version === b.actionVersion)) {
    return refuse('already_voted', `"${name}" has already voted on version ${b.actionVersion} of this action`);
  }
  return { kind: 'allowed' };
}

/** Distinct approvals needed. */
export function approvalsNeeded(r: Requirement): number {
  switch (r.kind) {
    case 'one_of':
      return 1;
    case 'quorum':
      return r.count;
    default: {
      const never: never = r;
      return never;
    }
  }
}

/**
 * Where the votes leave the request: one allowed rejection rejects it; enough distinct approvers
 * of the current version approve it. Approvals of an earlier version no longer count.
 */
export function tally(r: Requirement, votes: Ballot['votes'], version: number): 'pending' | 'approved' | 'rejected' {
  if (votes.some((v) => v.verdict === 'reject')) return 'rejected';
  const approvers = new Set(votes.filter((v) => v.verdict === 'approve' && v.action_version === version).map((v) => v.approver));
  return approvers.size >= approvalsNeeded(r) ? 'approved' : 'pending';
}

/** A day: the longest delay a modification may set when the action names no bound of its own. */
export const MAX_DELAY_S = 86_400;

/** What a modification asks to change. */
export interface Change {
  delay_s?: number | undefined;
  from_task?: string | undefined;
}

/** The longest delay the action allows: a retry's `backoff.max_delay_s`, else a day. */
export function maxDelayOf(action: Action): number {
  return action.kind === 'retry' && action.backoff ? action.backoff.max_delay_s : MAX_DELAY_S;
}

/**
 * The action with the change applied, within the policy's bounds: a delay between 0 and the
 * action's bound (retries and reruns only), a rerun's `from_task` only another task of the same
 * run (`tasksOfRun`, null when Medic does not know the run's tasks).
 */
export function modifyAction(action: Action, change: Change, tasksOfRun: readonly string[] | null): { kind: 'modified'; action: Action } | Refusal {
  let next: unknown = action;
  if (change.delay_s !== undefined) {
    if (action.kind !== 'retry' && action.kind !== 'rerun') return refuse('out_of_bounds', `a ${action.kind} has no delay to change`);
    const max = maxDelayOf(action);
    if (change.delay_s < 0 || change.delay_s > max) return refuse('out_of_bounds', `delay_s must be between 0 and ${max} s for this ${action.kind}`);
    // The delay given is the delay used: a retry's backoff no longer scales it.
    next = action.kind === 'retry' ? { ...action, delay_s: change.delay_s, backoff: undefined } : { ...action, delay_s: change.delay_s };
  }
  if (change.from_task !== undefined) {
    if (action.kind !== 'rerun') return refuse('out_of_bounds', `only a rerun can change its target task; this is a ${action.kind}`);
    if (tasksOfRun === null) return refuse('out_of_bounds', 'Medic does not know the tasks of this run, so it cannot check the new target');
    if (!tasksOfRun.includes(change.from_task)) {
      return refuse('out_of_bounds', `"${change.from_task}" is not a task of the same run (${tasksOfRun.join(', ') || 'none known'})`);
    }
    next = { ...(next as object), from_task: change.from_task };
  }
  const parsed = Action.safeParse(JSON.parse(JSON.stringify(next)));
  return parsed.success ? { kind: 'modified', action: parsed.data } : refuse('out_of_bounds', parsed.error.issues[0]?.message ?? 'invalid action');
}

/** How long an action takes to help: its delay, then one run of the job (ten minutes when unknown). */
export function expectedActionMs(delayS: number, jobMedianMs: number | null): number {
  return delayS * 1000 + (jobMedianMs ?? 10 * 60_000);
}

/**
 * The latest moment the action still helps every SLA it touches: for each service the job
 * belongs to (and each service downstream of it), the deadline, less the action's expected
 * duration and the rest of the service after the job (and the downstream service's lag).
 * Null when no forecast says.
 */
export function usefulUntil(services: readonly ServiceContext[], actionMs: number): { at: Date; service: string } | null {
  let best: { at: Date; service: string } | null = null;
  for (const s of services) {
    const f = s.forecast;
    if (!f) continue;
    const rest = f.jobEnd ? Math.max(0, f.etaP50.getTime() - f.jobEnd.getTime()) : 0;
    const candidates = [
      { service: s.name, at: f.deadline.getTime() - actionMs - rest },
      ...f.downstream.flatMap((d) => (d.deadline ? [{ service: d.service, at: d.deadline.getTime() - (d.medianLagMs ?? 0) - actionMs - rest }] : [])),
    ];
    for (const c of candidates) if (!best || c.at < best.at.getTime()) best = { at: new Date(c.at), service: c.service };
  }
  return best;
}

/**
 * When a request expires: after the TTL, or sooner at the last useful moment. A request whose
 * useful moment has passed already is escalated at once: waiting for a vote would not help.
 */
export function expiryOf(now: Date, ttlMs: number, useful: { at: Date } | null): { expiresAt: Date; reason: 'ttl' | 'sla'; escalated: boolean } {
  const ttl = now.getTime() + ttlMs;
  if (useful && useful.at.getTime() <= now.getTime()) return { expiresAt: now, reason: 'sla', escalated: true };
  if (useful && useful.at.getTime() < ttl) return { expiresAt: useful.at, reason: 'sla', escalated: false };
  return { expiresAt: new Date(ttl), reason: 'ttl', escalated: false };
}

/** What a request that ran out of time becomes: expired after its TTL, escalated when an SLA needed it sooner. */
export function lapsedStatus(reason: 'ttl' | 'sla'): 'expired' | 'escalated' {
  return reason === 'sla' ? 'escalated' : 'expired';
}
