/**
 * Glossary (see DESIGN.md): an *approval* is a request for people to allow the action of one
 * gated decision, with the evidence and a dry run; a *vote* is one approver's answer to one
 * version of the action (a modification makes a new version); the *requirement* says who may
 * vote and how many must agree; the *audit log* holds every step, append-only.
 */
import { z } from 'zod';
import type { Action } from '../policies/action.ts';
import type { Approval } from '../policies/schema.ts';

/** A person (or a tool acting for one) who may vote, as configured in `MEDIC_APPROVERS`. */
export const Approver = z.strictObject({
  name: z.string().min(1).max(200),
  /** Groups or roles, matched against a policy's `approval.groups`. */
  groups: z.array(z.string().min(1).max(200)).default([]),
  email: z.email().optional(),
  /** For the Slack buttons: the Slack user that stands for this approver. */
  slack_user_id: z.string().regex(/^[UW][A-Z0-9]+$/, 'must be a Slack user id such as U012AB3CD').optional(),
});
export type Approver = z.infer<typeof Approver>;

export const ApprovalStatus = z.enum(['pending', 'approved', 'rejected', 'expired', 'escalated']);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

/** Who must say yes: a policy's approval other than `none`. */
export type Requirement = Exclude<Approval, { kind: 'none' }>;

/** Where a vote came from. */
export const Via = z.enum(['api', 'cli', 'slack', 'web']);
export type Via = z.infer<typeof Via>;

/** One vote as stored. */
export interface Vote {
  approver: string;
  verdict: 'approve' | 'reject';
  reason: string | null;
  via: Via;
  action_version: number;
  at: Date;
}

/** An approval as stored (the `approvals` row). */
export interface ApprovalRow {
  id: number;
  decision_id: string;
  incident_id: number | null;
  run_id: number | null;
  policy_id: string | null;
  action: Action;
  action_version: number;
  target: unknown;
  requirement: Requirement;
  requester: string | null;
  proposed_by: string | null;
  status: ApprovalStatus;
  evidence: Record<string, unknown>;
  dry_run: unknown;
  expires_at: Date;
  expiry_reason: 'ttl' | 'sla';
  useful_until: Date | null;
  created_at: Date;
  decided_at: Date | null;
}

/** Only on a loopback server with no tokens may the body say who votes. */
const As = z.string().min(1).max(200).optional().describe('who votes; only on a loopback server without tokens (trusted local)');

/** The version of the action the voter looked at; a vote on another one is refused as stale (409). */
const Seen = z.number().int().min(1).optional().describe('the action_version the voter saw; refused with 409 when the action has changed since');

export const ApproveBody = z.strictObject({ reason: z.string().max(2_000).optional(), as: As, action_version: Seen });
export const RejectBody = z.strictObject({ reason: z.string().min(1, 'say why').max(2_000), as: As, action_version: Seen });
export const ModifyBody = z.strictObject({
  delay_s: z.number().int().min(0).optional().describe('wait this long before acting, within the policy\'s bounds'),
  from_task: z.string().min(1).max(500).optional().describe('rerun from this task of the same run instead'),
  reason: z.string().max(2_000).optional(),
  as: As,
  action_version: Seen,
}).refine((b) => b.delay_s !== undefined || b.from_task !== undefined, { message: 'change delay_s or from_task', path: ['delay_s'] });
export type ModifyBody = z.infer<typeof ModifyBody>;

/** The steps the audit log records. */
export const AuditKind = z.enum([
  'decision.taken', 'decision.recovered', 'approval.requested', 'approval.escalated', 'approval.vote', 'approval.modified',
  'approval.approved', 'approval.rejected', 'approval.expired', 'execution.queued', 'execution.not_executed', 'execution.claimed',
  'execution.reconciled', 'execution.sent', 'execution.executed', 'execution.retrying', 'execution.failed',
  'verification.succeeded', 'verification.failed', 'verification.expired', 'incident.resolved', 'proposal.made',
  'agent.started', 'agent.step', 'agent.refused', 'agent.resumed', 'agent.finished',
]);
export type AuditKind = z.infer<typeof AuditKind>;

export const AuditQuery = z.strictObject({
  incident: z.coerce.number().int().positive().optional(),
  decision: z.uuid().optional(),
  approval: z.coerce.number().int().positive().optional(),
  execution: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(5_000).default(500),
}).refine((q) => [q.incident, q.decision, q.approval, q.execution].filter((x) => x !== undefined).length === 1, {
  message: 'name exactly one of incident, decision, approval or execution',
  path: ['incident'],
});
export type AuditQuery = z.infer<typeof AuditQuery>;
