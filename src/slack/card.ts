/**
 * What one Slack message says about an incident (with the latest approval asked about it) or
 * about an approval without an incident: read from the rows as they are now, so that whatever
 * event triggered it, the message shows the current state.
 */
import { z } from 'zod';
import { approvalDetail } from '../approvals/approvals.ts';
import type { ApprovalStatus, Requirement, Vote } from '../approvals/schema.ts';
import { listApprovals } from '../approvals/sql.ts';
import type { Queryable } from '../db/pool.ts';
import { servicesOfJob } from '../decide/sql.ts';
import { incidentDetail } from '../incidents/evidence.ts';
import type { Action } from '../policies/action.ts';
import { decisionOfApproval, openRisks } from './sql.ts';

export interface Proposal {
  approvalId: number;
  action: Action;
  policyId: string | null;
  status: ApprovalStatus;
  requirement: Requirement;
  requester: string | null;
  have: number;
  need: number;
  expiresAt: Date;
  /** Why the policy chose the action. */
  reason: string;
  /** The request the executor would send (`POST https://…`), or why nothing would be sent. */
  dryRun: string;
  votes: Pick<Vote, 'approver' | 'verdict' | 'reason' | 'via'>[];
  execution: { id: number; state: string; verification: string | null } | null;
}

export interface ServiceImpact {
  name: string;
  pBreach: number | null;
  deadline: Date | null;
  /** The open SLA risk's sentence (who misses, and by when to act), when the service is at risk. */
  sentence: string | null;
}

export interface IncidentCard {
  kind: 'incident';
  incident: {
    id: number; title: string; status: string; occurrences: number; jobsAffected: number; openedAt: Date; lastSeenAt: Date;
    resolution: { action: string; actor: string; outcome: string; detail: string | null; timeToRecoverMs: number | null } | null;
  } | null;
  job: string;
  /** The latest failure message. */
  message: string | null;
  signature: { template: string; outlier: string | null } | null;
  /** "retry fixed it 12 of 14 times, median 11 min", best first. */
  fixes: string[];
  similar: { id: number; similarity: number; title: string; endedBy: string | null }[];
  services: ServiceImpact[];
  /** The last moment the proposed action still helps the tightest SLA. */
  actBy: { at: Date; service: string | null } | null;
  proposal: Proposal | null;
}

/** The parts of an approval's evidence a card shows; the evidence is stored JSON, so it is parsed. */
const Evidence = z.object({
  reason: z.string().optional(),
  signature: z.object({ template: z.string() }).optional(),
  success_rates: z.array(z.object({ summary: z.string() })).optional(),
  similar_incidents: z.array(z.object({ incident_id: z.number(), similarity: z.number(), title: z.string(), resolution: z.object({ action: z.string() }).nullable().optional() })).optional(),
  impact: z.object({ useful_until: z.coerce.date().nullable().optional(), tightest_service: z.string().nullable().optional() }).optional(),
}).catch({});

const DryRun = z.union([
  z.object({ kind: z.literal('request'), method: z.string(), url: z.string() }),
  z.object({ kind: z.literal('refused'), detail: z.string() }),
]).catch({ kind: 'refused', detail: 'no dry run' });

type ApprovalDetail = NonNullable<Awaited<ReturnType<typeof approvalDetail>>>;

function proposalOf(a: ApprovalDetail, reason: string): Proposal {
  const dry = DryRun.parse(a.dry_run);
  return {
    approvalId: a.id, action: a.action, policyId: a.policy_id, status: a.status, requirement: a.requirement, requester: a.requester,
    have: a.approvals.have, need: a.approvals.need, expiresAt: a.expires_at, reason,
    dryRun: dry.kind === 'request' ? `${dry.method} ${dry.url}` : `nothing would be sent: ${dry.detail}`,
    votes: a.votes.filter((v) => v.action_version === a.action_version).map((v) => ({ approver: v.approver, verdict: v.verdict, reason: v.reason, via: v.via })),
    execution: a.execution && { id: a.execution.id, state: a.execution.state, verification: a.execution.verification },
  };
}

/** The approval a card shows for an incident: the pending one, else the latest. */
async function approvalOfIncident(db: Queryable, incidentId: number): Promise<ApprovalDetail | undefined> {
  const rows = await listApprovals(db, { incidentId, limit: 20 });
  const chosen = rows.find((a) => a.status === 'pending') ?? rows[0];
  return chosen ? approvalDetail(db, chosen.id) : undefined;
}

async function servicesOf(db: Queryable, job: string): Promise<ServiceImpact[]> {
  const services = (await servicesOfJob(db, job)).slice(0, 5);
  const risks = await openRisks(db, services.map((s) => s.name));
  return services.map((s) => ({ name: s.name, pBreach: s.forecast?.pBreach ?? null, deadline: s.forecast?.deadline ?? null, sentence: risks.get(s.name) ?? null }));
}

/** The card of incident `incidentId`, or of approval `approvalId` when it has no incident; undefined when the row is gone. */
export async function loadIncidentCard(db: Queryable, ref: { incidentId: number } | { approvalId: number }): Promise<IncidentCard | undefined> {
  const detail = 'incidentId' in ref ? await incidentDetail(db, ref.incidentId) : undefined;
  if ('incidentId' in ref && !detail) return undefined;
  const approval = detail ? await approvalOfIncident(db, detail.id) : 'approvalId' in ref ? await approvalDetail(db, ref.approvalId) : undefined;
  if (!detail && !approval) return undefined;
  const evidence = Evidence.parse(approval?.evidence ?? {});
  const decision = !detail && approval ? await decisionOfApproval(db, approval.id) : undefined;
  const job = detail ? `${detail.job.namespace}/${detail.job.name}` : decision?.job ?? 'unknown job';
  const useful = approval?.useful_until ?? evidence.impact?.useful_until ?? null;
  return {
    kind: 'incident',
    incident: detail ? {
      id: detail.id, title: detail.title, status: detail.status, occurrences: detail.occurrences, jobsAffected: detail.jobs_affected,
      openedAt: detail.opened_at, lastSeenAt: detail.last_seen_at,
      resolution: detail.resolution && { action: detail.resolution.action, actor: detail.resolution.actor, outcome: detail.resolution.outcome, detail: detail.resolution.detail, timeToRecoverMs: detail.resolution.time_to_recover_ms },
    } : null,
    job,
    message: detail ? (detail.runs[0]?.error_message ?? null) : decision?.message ?? null,
    signature: detail
      ? { template: detail.signature.template, outlier: `${detail.evidence.outlier.label}, seen on ${detail.evidence.outlier.days_seen_in_30} of the last 30 days` }
      : evidence.signature ? { template: evidence.signature.template, outlier: null } : null,
    fixes: detail ? detail.evidence.fixes.map((f) => f.summary) : (evidence.success_rates ?? []).map((f) => f.summary),
    similar: detail
      ? detail.evidence.similar_incidents.map((s) => ({ id: s.incident_id, similarity: s.similarity, title: s.title, endedBy: s.resolution?.action ?? null }))
      : (evidence.similar_incidents ?? []).map((s) => ({ id: s.incident_id, similarity: s.similarity, title: s.title, endedBy: s.resolution?.action ?? null })),
    services: await servicesOf(db, job),
    actBy: useful ? { at: useful, service: evidence.impact?.tightest_service ?? null } : null,
    proposal: approval ? proposalOf(approval, evidence.reason ?? '') : null,
  };
}
