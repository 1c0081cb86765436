/**
 * Votes and modifications, each in one transaction that holds the request's row: concurrent
 * votes queue on it, so two approvers reaching a quorum together approve it once. The request
 * reaching `approved` creates its execution in the same transaction; it is queued after commit.
 */
import type { Client } from '../db/pool.ts';
import { withTransaction } from '../db/pool.ts';
import type { Deps } from '../deps.ts';
import { createExecution, delaySOf, isExecutable, planAction } from '../remediation/plan.ts';
import { enqueueExecution } from '../remediation/execute.ts';
import { enqueueOrLeaveToSweep } from '../queue/unavailable.ts';
import type { ExecutionTarget } from '../remediation/executor.ts';
import { appendAudit } from './audit.ts';
import { lapsedStatus, mayVote, modifyAction, tally, type Change, type Refusal } from './rules.ts';
import type { ApprovalRow, ApprovalStatus, Approver, Via } from './schema.ts';
import { executionContextOf, getApproval, insertVote, setApprovalStatus, tasksOfRun, updateApprovalAction, votesOf } from './sql.ts';

export type VoteDeps = Pick<Deps, 'pool' | 'clock' | 'config' | 'remedy' | 'queue' | 'log' | 'notifier'>;

/** Who votes, and through what. */
export interface Voter {
  name: string;
  via: Via;
  /**
   * Who the voter is as an approver, when the channel knows better than `MEDIC_APPROVERS` (the
   * console's single sign-on adds the provider's groups). @defaultValue the configured approver named `name`
   */
  approver?: Approver | undefined;
}

/** What the voter saw when deciding: a vote on another version of the action is stale and refused. */
export interface Seen {
  actionVersion?: number | undefined;
}

export type VoteOutcome = { kind: 'recorded'; status: ApprovalStatus; executionId: number | null } | Refusal | { kind: 'not_found' };
export type ModifyOutcome = { kind: 'modified'; version: number } | Refusal | { kind: 'not_found' };

const ids = (a: ApprovalRow) => ({ incidentId: a.incident_id, decisionId: a.decision_id, approvalId: a.id });

/** Ends a request whose time is up when someone touches it, as the sweep would; true when it did. */
async function lapseIfDue(tx: Client, a: ApprovalRow, now: Date): Promise<boolean> {
  if (a.status !== 'pending' || now.getTime() < a.expires_at.getTime()) return false;
  const status = lapsedStatus(a.expiry_reason);
  await setApprovalStatus(tx, a.id, status, now);
  await appendAudit(tx, { at: now, actor: 'medic', kind: `approval.${status}`, ...ids(a), detail: { expires_at: a.expires_at } });
  return true;
}

/** Records a refused attempt: the audit tells who tried what and why it did not count. */
async function refused(tx: Client, a: ApprovalRow, voter: Voter, what: string, r: Refusal, now: Date): Promise<Refusal> {
  await appendAudit(tx, { at: now, actor: voter.name, kind: 'approval.vote', ...ids(a), detail: { [what]: 'refused', code: r.code, reason: r.reason, via: voter.via } });
  return r;
}

const approverOf = (deps: VoteDeps, voter: Voter) => voter.approver ?? deps.config.approvers.find((x) => x.name === voter.name);

/** Refuses a vote or a modification made on a version of the action the voter has not seen. */
function staleness(a: ApprovalRow, seen: Seen): Refusal | null {
  if (seen.actionVersion === undefined || seen.actionVersion === a.action_version) return null;
  return { kind: 'refused', code: 'stale', reason: `the action changed to version ${a.action_version} (${a.status}) since version ${seen.actionVersion} was shown: look at it again` };
}

/** Approves or rejects the current version of the action as `voter`. */
export async function castVote(deps: VoteDeps, approvalId: number, voter: Voter, verdict: 'approve' | 'reject', reason: string | null, seen: Seen = {}): Promise<VoteOutcome> {
  const now = deps.clock();
  const out = await withTransaction(deps.pool, async (tx) => {
    const a = await getApproval(tx, approvalId, true);
    if (!a) return { outcome: { kind: 'not_found' } as VoteOutcome };
    if (await lapseIfDue(tx, a, now)) return { outcome: await refused(tx, a, voter, verdict, { kind: 'refused', code: 'expired', reason: `the request expired at ${a.expires_at.toISOString()}` }, now) };
    const votes = await votesOf(tx, a.id);
    const approver = approverOf(deps, voter);
    const ballot = { status: a.status, requirement: a.requirement, requester: a.requester, proposedBy: a.proposed_by, expiresAt: a.expires_at, actionVersion: a.action_version, votes };
    const allowed = staleness(a, seen) ?? mayVote(ballot, voter.name, approver, now);
    if (allowed.kind === 'refused') return { outcome: await refused(tx, a, voter, verdict, allowed, now) };
    await insertVote(tx, { approvalId: a.id, approver: voter.name, verdict, reason, via: voter.via, version: a.action_version, at: now });
    await appendAudit(tx, { at: now, actor: voter.name, kind: 'approval.vote', ...ids(a), detail: { verdict, reason, via: voter.via, action_version: a.action_version } });
    const all = [...votes, { approver: voter.name, verdict, action_version: a.action_version }];
    const status = tally(a.requirement, all, a.action_version);
    if (status === 'pending') return { outcome: { kind: 'recorded', status, executionId: null } as VoteOutcome };
    await setApprovalStatus(tx, a.id, status, now);
    const approvers = [...new Set(all.filter((v) => v.verdict === 'approve' && v.action_version === a.action_version).map((v) => v.approver))];
    await appendAudit(tx, { at: now, actor: voter.name, kind: `approval.${status}`, ...ids(a), detail: status === 'approved' ? { approvers, action: a.action } : { reason } });
    const queued = status === 'approved' ? await executeApproved(tx, a, approvers, now) : null;
    return { outcome: { kind: 'recorded', status, executionId: queued?.id ?? null } as VoteOutcome, queued, agent: a.proposed_by !== null };
  });
  const { queued } = 'queued' in out ? out : { queued: null };
  if (queued) await enqueueOrLeaveToSweep(deps.log, `execution ${queued.id}`, () => enqueueExecution(deps, queued.id, queued.delayMs));
  // An agent proposed it: its run waits on the answer, and carries on (acts, or ends) now.
  if ('agent' in out && out.agent) await enqueueOrLeaveToSweep(deps.log, `the agent run waiting on approval ${approvalId}`, () => deps.queue.enqueue('agent-resume', { approvalId }, { jobId: `agent-resume:${approvalId}` }));
  await tell(deps, approvalId, out.outcome);
  return out.outcome;
}

/** Publishes what a vote changed: a recorded vote, or a request that expired when touched. A refusal changes nothing. */
async function tell(deps: VoteDeps, approvalId: number, outcome: VoteOutcome | ModifyOutcome): Promise<void> {
  if (outcome.kind === 'recorded') await deps.notifier.publish({ kind: 'vote.recorded', approvalId });
  else if (outcome.kind === 'modified') await deps.notifier.publish({ kind: 'approval.requested', approvalId });
  else if (outcome.kind === 'refused' && outcome.code === 'expired') await deps.notifier.publish({ kind: 'approval.lapsed', approvalId });
}

/** Creates the execution of an approved request, when its action is one an executor carries out and it has a target. */
async function executeApproved(tx: Client, a: ApprovalRow, approvers: string[], now: Date): Promise<{ id: number; delayMs: number } | null> {
  const target = a.target as ExecutionTarget | null;
  if (!target || !isExecutable(a.action)) {
    const reason = target ? `a ${a.action.kind} is not carried out by an executor` : `nothing to execute: ${(a.dry_run as { detail?: string } | null)?.detail ?? 'the action has no target'}`;
    await appendAudit(tx, { at: now, actor: 'medic', kind: 'execution.not_executed', ...ids(a), detail: { reason } });
    return null;
  }
  const d = await executionContextOf(tx, a);
  const made = await createExecution(tx, {
    decisionId: a.decision_id, approvalId: a.id, incidentId: a.incident_id, signatureId: d?.signature_id ?? null, policyId: a.policy_id,
    jobId: d?.job_id ?? null, runId: a.run_id, attempt: d?.attempt ?? null, source: d?.source ?? 'unknown', action: a.action, target,
    actor: approvers.join(', '), createdAt: now, delayS: delaySOf(a.action, d?.attempt ?? null),
  });
  return made;
}

/** Changes the delay or target of the action within the policy's bounds: a new version, on which earlier approvals no longer count. */
export async function modifyApproval(deps: VoteDeps, approvalId: number, voter: Voter, change: Change, reason: string | null, seen: Seen = {}): Promise<ModifyOutcome> {
  const now = deps.clock();
  const outcome = await withTransaction(deps.pool, async (tx): Promise<ModifyOutcome> => {
    const a = await getApproval(tx, approvalId, true);
    if (!a) return { kind: 'not_found' };
    if (await lapseIfDue(tx, a, now)) return refused(tx, a, voter, 'modify', { kind: 'refused', code: 'expired', reason: `the request expired at ${a.expires_at.toISOString()}` }, now);
    const ballot = { status: a.status, requirement: a.requirement, requester: a.requester, proposedBy: a.proposed_by, expiresAt: a.expires_at, actionVersion: a.action_version, votes: [] };
    const allowed = staleness(a, seen) ?? mayVote(ballot, voter.name, approverOf(deps, voter), now);
    if (allowed.kind === 'refused') return refused(tx, a, voter, 'modify', allowed, now);
    const tasks = change.from_task !== undefined && a.run_id !== null ? await tasksOfRun(tx, a.run_id) : null;
    const next = modifyAction(a.action, change, tasks);
    if (next.kind === 'refused') return refused(tx, a, voter, 'modify', next, now);
    const plan = await planAction({ pool: tx, remedy: deps.remedy }, { decisionId: a.decision_id, action: next.action, runId: a.run_id });
    const version = a.action_version + 1;
    await updateApprovalAction(tx, a.id, { action: next.action, version, target: plan.kind === 'target' ? plan.target : null, dryRun: plan.dryRun });
    await appendAudit(tx, { at: now, actor: voter.name, kind: 'approval.modified', ...ids(a), detail: { from: a.action, to: next.action, action_version: version, reason, via: voter.via, dry_run: plan.dryRun } });
    return { kind: 'modified', version };
  });
  await tell(deps, approvalId, outcome);
  return outcome;
}
