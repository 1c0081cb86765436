/**
 * A vote from Slack — a button or `/medic approve|reject` — through the same `castVote` as the
 * API and the CLI: same approvers, groups, separation of duties, quorum, expiry, audit.
 */
import { approvalDetail } from '../approvals/approvals.ts';
import { castVote } from '../approvals/vote.ts';
import type { Deps } from '../deps.ts';
import { escape } from './blocks.ts';
import { slackApprover } from './identity.ts';
import { describeAction } from '../policies/action.ts';

export type SlackVote =
  | { kind: 'unmapped'; reason: string }
  | { kind: 'not_found' }
  | { kind: 'refused'; code: string; reason: string }
  | { kind: 'recorded'; approver: string; status: string; have: number; need: number; action: string };

export type SlackVoteDeps = Pick<Deps, 'pool' | 'clock' | 'config' | 'remedy' | 'queue' | 'log' | 'notifier' | 'slack'>;

/** Maps the Slack user to an approver and votes as them, via `slack`. An unmapped user records nothing. */
export async function voteFromSlack(deps: SlackVoteDeps, userId: string, approvalId: number, verdict: 'approve' | 'reject', reason: string | null): Promise<SlackVote> {
  const who = await slackApprover(deps, userId);
  if (who.kind === 'unmapped') {
    deps.log.warn({ userId, approvalId }, 'vote from an unmapped Slack user refused');
    return who;
  }
  const outcome = await castVote(deps, approvalId, { name: who.approver.name, via: 'slack' }, verdict, reason);
  if (outcome.kind !== 'recorded') return outcome.kind === 'refused' ? { kind: 'refused', code: outcome.code, reason: outcome.reason } : outcome;
  const d = await approvalDetail(deps.pool, approvalId);
  return { kind: 'recorded', approver: who.approver.name, status: outcome.status, have: d?.approvals.have ?? 0, need: d?.approvals.need ?? 1, action: d ? describeAction(d.action) : 'the action' };
}

/** The answer to the voter: refusals privately; a recorded vote in the channel when `shout`. */
export function voteReply(v: SlackVote, approvalId: number, verdict: 'approve' | 'reject', shout: boolean): { response_type: 'ephemeral' | 'in_channel'; text: string } {
  const quiet = (text: string) => ({ response_type: 'ephemeral' as const, text });
  switch (v.kind) {
    case 'unmapped': return quiet(`:no_entry: Not recorded: ${escape(v.reason)}.`);
    case 'not_found': return quiet(`Approval ${approvalId} does not exist.`);
    case 'refused': return quiet(`:no_entry: Not recorded (${v.code.replaceAll('_', ' ')}): ${escape(v.reason)}.`);
    case 'recorded': {
      const verb = verdict === 'approve' ? 'approved' : 'rejected';
      const where = v.status === 'pending' ? `${v.have} of ${v.need} approvals so far` : `the request is ${v.status}`;
      return { response_type: shout ? 'in_channel' : 'ephemeral', text: `*${escape(v.approver)}* ${verb} approval ${approvalId} (${escape(v.action)}): ${where}.` };
    }
    default: {
      const never: never = v;
      return never;
    }
  }
}
