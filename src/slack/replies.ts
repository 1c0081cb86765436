/**
 * The thread under a message: one reply per step people care about — a vote, the decision, the
 * execution, its verification, the resolution — taken from the audit log, so that every step
 * is replied to once, whichever worker or event gets there first.
 */
import { listAudit, type AuditRow } from '../approvals/audit.ts';
import type { Queryable } from '../db/pool.ts';
import { escape } from './blocks.ts';
import type { IncidentCard } from './card.ts';
import type { RiskCard } from './risk-card.ts';

export interface Reply {
  /** Unique within the subject: `audit:42`, `resolved`, `cleared`. */
  key: string;
  text: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? escape(v) : '');
const DECIDES = new Set(['approval.approved', 'approval.rejected']);

function voteText(e: AuditRow): string | null {
  const d = e.detail;
  if (Object.values(d).includes('refused') || (d.verdict !== 'approve' && d.verdict !== 'reject')) return null;
  const verb = d.verdict === 'approve' ? ':ballot_box_with_check: approved' : ':no_entry_sign: rejected';
  return `*${escape(e.actor)}* ${verb}${d.via ? ` (via ${str(d.via)})` : ''}${d.reason ? `: ${str(d.reason)}` : ''}`;
}

/** The reply to one audit step, or null for steps the thread leaves out. */
function stepText(e: AuditRow, next: AuditRow | undefined): string | null {
  const d = e.detail;
  switch (e.kind) {
    // A vote that decided the request is told by the decision that follows it.
    case 'approval.vote': return next && DECIDES.has(next.kind) && next.actor === e.actor && next.approval_id === e.approval_id ? null : voteText(e);
    case 'approval.approved': return `:white_check_mark: *Approved* by ${Array.isArray(d.approvers) ? d.approvers.map(str).join(', ') : escape(e.actor)}`;
    case 'approval.rejected': return `:no_entry: *Rejected* by ${escape(e.actor)}${d.reason ? `: ${str(d.reason)}` : ''}. Nothing runs.`;
    case 'approval.expired': return `:hourglass: *Expired*: ${str(d.because) || 'no answer in time'}. Nothing runs.`;
    case 'approval.escalated': return `:rotating_light: *Escalated*: ${str(d.because) || 'the action can no longer help the SLA in time'}.`;
    case 'approval.modified': return `:pencil2: *${escape(e.actor)}* changed the action (version ${String(d.action_version ?? '?')})${d.reason ? `: ${str(d.reason)}` : ''}. Earlier approvals no longer count.`;
    case 'execution.executed': return `:gear: *Executed*: ${str(d.detail)}`;
    case 'execution.failed': return `:x: *Execution failed*: ${str(d.detail)}`;
    case 'execution.not_executed': return `:information_source: Nothing to execute: ${str(d.reason)}`;
    case 'verification.succeeded': return `:white_check_mark: *Verified*: ${str(d.detail)}`;
    case 'verification.failed': return `:x: *Verification failed*: ${str(d.detail)}`;
    case 'verification.expired': return `:grey_question: *Not verified*: ${str(d.detail)}`;
    default: return null;
  }
}

/** The replies an incident's (or an approval's) thread should hold, oldest first. */
export function incidentReplies(card: IncidentCard, story: readonly AuditRow[]): Reply[] {
  const out: Reply[] = [];
  story.forEach((e, i) => {
    const text = stepText(e, story[i + 1]);
    if (text) out.push({ key: `audit:${e.id}`, text });
  });
  const r = card.incident?.resolution;
  if (r) {
    const ttr = r.timeToRecoverMs === null ? '' : `, ${Math.max(1, Math.round(r.timeToRecoverMs / 60_000))} min after the first failure`;
    out.push({ key: 'resolved', text: `:tada: *Resolved*: ${escape(r.action)} by ${escape(r.actor)} (${escape(r.outcome)})${r.detail ? ` — ${escape(r.detail)}` : ''}${ttr}` });
  }
  return out;
}

/** The story behind an incident card: its own steps and those of its approvals and executions. */
export async function storyOf(db: Queryable, card: IncidentCard): Promise<AuditRow[]> {
  if (card.incident) return listAudit(db, { incident: card.incident.id, limit: 1_000 });
  return card.proposal ? listAudit(db, { approval: card.proposal.approvalId, limit: 1_000 }) : [];
}

/** A risk's thread says when it clears. */
export function riskReplies(card: RiskCard): Reply[] {
  return card.status === 'cleared' ? [{ key: 'cleared', text: `:large_green_circle: *Back on track*: ${card.summary}` }] : [];
}
