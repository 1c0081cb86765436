/**
 * Who clicked: a Slack user becomes a Medic approver through `MEDIC_APPROVERS` — by its
 * `slack_user_id`, else by its `email` as Slack's `users.info` gives it (with `users:read.email`).
 * The user id comes from a request Slack signed, so it cannot be claimed by anyone else. The
 * approval rules then judge the approver exactly as they judge API and CLI votes.
 */
import type { Approver } from '../approvals/schema.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';

export type SlackIdentity =
  | { kind: 'approver'; approver: Approver; by: 'slack_user_id' | 'email' }
  | { kind: 'unmapped'; reason: string };

export async function slackApprover(deps: Pick<Deps, 'config' | 'slack' | 'log'>, userId: string): Promise<SlackIdentity> {
  const approvers = deps.config.approvers;
  const byId = approvers.find((a) => a.slack_user_id === userId);
  if (byId) return { kind: 'approver', approver: byId, by: 'slack_user_id' };
  const unmapped: SlackIdentity = {
    kind: 'unmapped',
    reason: `your Slack user (${userId}) is not a Medic approver: add "slack_user_id": "${userId}" (or your email) to your entry in MEDIC_APPROVERS`,
  };
  if (!deps.slack || !approvers.some((a) => a.email)) return unmapped;
  try {
    const email = (await deps.slack.userEmail(userId))?.toLowerCase();
    const byEmail = email ? approvers.find((a) => a.email?.toLowerCase() === email) : undefined;
    return byEmail ? { kind: 'approver', approver: byEmail, by: 'email' } : unmapped;
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') return unmapped;
    deps.log.warn({ err, userId }, 'users.info failed: the Slack user could not be mapped by email');
    return { kind: 'unmapped', reason: `Medic could not look up your email in Slack just now (${err instanceof Error ? err.message : String(err)}); try again` };
  }
}
