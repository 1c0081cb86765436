/** What the approval page knows about a request, read from the store and the loaded policies. */
import { z } from 'zod';
import { approvalDetail } from '../../approvals/approvals.ts';
import { mayVote, maxDelayOf, type Refusal } from '../../approvals/rules.ts';
import type { Approver } from '../../approvals/schema.ts';
import { executionContextOf, tasksOfRun } from '../../approvals/sql.ts';
import type { Queryable } from '../../db/pool.ts';
import { getIncident, type IncidentView } from '../../incidents/read-sql.ts';
import { getAttempt, type FailedAttempt } from '../../incidents/sql.ts';
import type { Policy } from '../../policies/schema.ts';
import { approverOf, can, type Person } from '../person.ts';
import { FixView, SimilarView } from './evidence.ts';

const When = z.coerce.date().nullable().optional();

/** The evidence stored with a request, as far as the page shows it; anything else in it is ignored. */
export const ApprovalEvidence = z.object({
  reason: z.string().optional(),
  signature: z.object({ id: z.number(), template: z.string(), exception_type: z.string().nullable().default(null) }).optional(),
  similar_incidents: z.array(SimilarView).catch([]).default([]),
  success_rates: z.array(FixView).catch([]).default([]),
  impact: z.object({
    useful_until: When,
    tightest_service: z.string().nullable().optional(),
    expected_action_min: z.number().optional(),
    services: z.array(z.object({
      service: z.string(), deadline: When, p_breach: z.number().nullable().optional(),
      downstream: z.array(z.object({ service: z.string(), deadline: When })).catch([]).default([]),
    })).catch([]).default([]),
  }).optional(),
});
export type ApprovalEvidence = z.infer<typeof ApprovalEvidence>;

export type ApprovalDetail = NonNullable<Awaited<ReturnType<typeof approvalDetail>>>;

/** Whether the person may vote now, and if not, why. */
export type Ballot = { kind: 'may_vote'; approver: Approver } | { kind: 'read_only' } | Refusal;

export interface ApprovalView {
  detail: ApprovalDetail;
  evidence: ApprovalEvidence;
  incident: IncidentView | undefined;
  attempt: FailedAttempt | undefined;
  policy: Policy | undefined;
  /** The tasks a rerun may start from instead; null when Medic does not know them. */
  tasks: string[] | null;
  maxDelayS: number;
  ballot: Ballot;
  /** Configured approvers who could still vote on this version. */
  mayStillVote: string[];
}

/** Everything the approval page shows for `person`; undefined when the request does not exist. */
export async function approvalView(db: Queryable, id: number, person: Person, approvers: readonly Approver[], policies: readonly Policy[], now: Date): Promise<ApprovalView | undefined> {
  const detail = await approvalDetail(db, id);
  if (!detail) return undefined;
  const [incident, context, tasks] = await Promise.all([
    detail.incident_id ? getIncident(db, detail.incident_id) : undefined,
    executionContextOf(db, detail),
    detail.action.kind === 'rerun' && detail.run_id !== null ? tasksOfRun(db, detail.run_id) : null,
  ]);
  const attempt = detail.run_id !== null ? await getAttempt(db, detail.run_id, context?.attempt ?? undefined) : undefined;
  const parsed = ApprovalEvidence.safeParse(detail.evidence);
  const ballotOf = (name: string, approver: Approver | undefined) => mayVote({
    status: detail.status, requirement: detail.requirement, requester: detail.requester, proposedBy: detail.proposed_by,
    expiresAt: detail.expires_at, actionVersion: detail.action_version, votes: detail.votes,
  }, name, approver, now);
  const approver = approverOf(person, approvers);
  const mine = ballotOf(person.name, approver);
  return {
    detail, incident, attempt, tasks: tasks ?? null,
    evidence: parsed.success ? parsed.data : { similar_incidents: [], success_rates: [] },
    policy: policies.find((p) => p.id === detail.policy_id),
    maxDelayS: maxDelayOf(detail.action),
    ballot: !can(person, 'approve') ? { kind: 'read_only' } : mine.kind === 'allowed' && approver ? { kind: 'may_vote', approver } : mine.kind === 'refused' ? mine : { kind: 'read_only' },
    mayStillVote: approvers.filter((a) => ballotOf(a.name, a).kind === 'allowed').map((a) => a.name),
  };
}
