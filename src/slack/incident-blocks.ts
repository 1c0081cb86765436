/**
 * The incident message: what failed, its signature, what fixed similar failures and how often,
 * the SLA impact and the time left to act, and the proposed action with Approve, Reject and
 * Details while it waits for people — its outcome once it does not.
 */
import { describeAction } from '../policies/action.ts';
import { button, code, context, escape, header, link, message, section, slackDate, type Block, type SlackMessage } from './blocks.ts';
import type { IncidentCard, Proposal } from './card.ts';

/** Action ids of the buttons; the value names the approval (`approval:7`) or the incident (`incident:12`). */
export const ACTIONS = { approve: 'medic.approve', reject: 'medic.reject', details: 'medic.details' } as const;

const short = (job: string) => job.split('/').pop() ?? job;
const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const pct = (p: number) => `${Math.round(p * 100)} %`;

function who(p: Proposal): string {
  const groups = p.requirement.groups.join(', ');
  const need = p.requirement.kind === 'quorum' ? `${p.requirement.count} of ${groups}` : `one of ${groups}`;
  return `${need}${p.requirement.separation_of_duties ? `, not the requester (${escape(p.requester ?? 'unknown')})` : ''}`;
}

/** Where the request stands once it no longer waits for a vote. */
export function outcomeLine(p: Proposal): string {
  const approvers = p.votes.filter((v) => v.verdict === 'approve').map((v) => escape(v.approver)).join(', ');
  const e = p.execution;
  const ran = e ? ` · execution ${e.id} ${e.state}${e.verification ? `, verification ${e.verification}` : ''}` : '';
  switch (p.status) {
    case 'pending': return `:hourglass_flowing_sand: *Waiting for approval* · ${p.have} of ${p.need} · expires ${slackDate(p.expiresAt, '{time}')}`;
    case 'approved': return `:white_check_mark: *Approved* by ${approvers || 'the approvers'}${ran}`;
    case 'rejected': {
      const no = p.votes.find((v) => v.verdict === 'reject');
      return `:no_entry: *Rejected* by ${escape(no?.approver ?? 'an approver')}${no?.reason ? `: ${escape(no.reason)}` : ''} · nothing runs`;
    }
    case 'expired': return ':hourglass: *Expired* without an answer · nothing runs';
    case 'escalated': return ':rotating_light: *Escalated*: the action can no longer help the SLA in time · nothing runs, people decide';
    default: {
      const never: never = p.status;
      return never;
    }
  }
}

function evidenceText(c: IncidentCard, url: (path: string) => string): string {
  const fixes = c.fixes.length ? c.fixes.slice(0, 3).map((f) => `• ${escape(f)}`).join('\n') : '• nothing recorded yet';
  const similar = c.similar.slice(0, 3).map((s) => `• ${link(url(`/v1/incidents/${s.id}`), `#${s.id}`)} ${pct(s.similarity)} ${escape(s.title.split('\n')[0] ?? '')}${s.endedBy ? ` → *${escape(s.endedBy)}*` : ''}`);
  return `*What fixed similar failures*\n${fixes}${similar.length ? `\n*Most similar past incidents*\n${similar.join('\n')}` : ''}`;
}

function slaText(c: IncidentCard): string | null {
  const lines = c.services.map((s) => s.sentence
    ? `• ${s.sentence}`
    : `• *${escape(s.name)}*${s.pBreach === null ? ': no forecast yet' : `: ${pct(s.pBreach)} chance to miss${s.deadline ? ` ${slackDate(s.deadline, '{time}')}` : ''}`}`);
  const act = c.actBy ? `*Act by* ${slackDate(c.actBy.at, '{time}')}: the last moment the ${c.proposal ? describeAction(c.proposal.action) : 'action'} still helps${c.actBy.service ? ` *${escape(c.actBy.service)}*` : ' the SLA'}` : null;
  if (lines.length === 0 && !act) return null;
  return ['*SLA impact*', ...lines, ...(act ? [act] : [])].join('\n');
}

function proposalBlocks(p: Proposal, subjectValue: string, more: string): Block[] {
  const text = [
    `*Proposed action* ${describeAction(p.action)}${p.policyId ? ` · policy \`${escape(p.policyId)}\`` : ''}`,
    ...(p.reason ? [escape(p.reason)] : []),
    `*Who may approve* ${who(p)}`,
    `*Dry run* ${code(p.dryRun, 200)}`,
  ].join('\n');
  const value = `approval:${p.approvalId}`;
  const details = button({ actionId: ACTIONS.details, text: 'Details', value: subjectValue });
  if (p.status !== 'pending') return [section(text, more), section(outcomeLine(p), more), { type: 'actions', block_id: `medic:${value}`, elements: [details] }];
  return [section(text, more), section(outcomeLine(p), more), {
    type: 'actions', block_id: `medic:${value}`, elements: [
      button({ actionId: ACTIONS.approve, text: 'Approve', value, style: 'primary', confirm: { title: `${capitalised(describeAction(p.action))}?`, text: `Medic will ${describeAction(p.action)} as approval ${p.approvalId} says.`, yes: 'Approve' } }),
      button({ actionId: ACTIONS.reject, text: 'Reject', value, style: 'danger' }),
      details,
    ],
  }];
}

function headline(c: IncidentCard): string {
  const i = c.incident;
  if (!i) return `:raised_hand: Approval asked · ${short(c.job)}`;
  if (i.status === 'resolved' || i.status === 'closed') return `:white_check_mark: Resolved · ${short(c.job)} (incident ${i.id})`;
  return `:red_circle: ${short(c.job)} failed (incident ${i.id})`;
}

/** The message for the card; links point at `publicUrl` (the incident or approval in Medic's API). */
export function incidentMessage(c: IncidentCard, publicUrl: string): SlackMessage {
  const url = (path: string) => `${publicUrl}${path}`;
  const self = c.incident ? url(`/v1/incidents/${c.incident.id}`) : url(`/v1/approvals/${c.proposal?.approvalId ?? 0}`);
  const i = c.incident;
  const failure = [
    `*Failure* in \`${escape(c.job)}\`${c.message ? `\n${code(c.message, 600)}` : ''}`,
    ...(c.signature ? [`*Signature* ${code(c.signature.template, 400)}${c.signature.outlier ? ` · ${c.signature.outlier}` : ''}`] : []),
    ...(i ? [`*Seen* ${i.occurrences}× since ${slackDate(i.openedAt)}${i.jobsAffected > 1 ? ` on ${i.jobsAffected} jobs` : ''}`] : []),
    ...(i?.resolution ? [`*Resolved* by ${escape(i.resolution.action)} (${escape(i.resolution.actor)})${i.resolution.timeToRecoverMs === null ? '' : `, ${Math.max(1, Math.round(i.resolution.timeToRecoverMs / 60_000))} min after the first failure`}`] : []),
  ].join('\n');
  const sla = slaText(c);
  const subjectValue = i ? `incident:${i.id}` : `approval:${c.proposal?.approvalId ?? 0}`;
  const blocks: Block[] = [
    header(headline(c)),
    section(failure, self),
    section(evidenceText(c, url), self),
    ...(sla ? [section(sla, self)] : []),
    ...(c.proposal ? proposalBlocks(c.proposal, subjectValue, self) : [{ type: 'actions' as const, elements: [button({ actionId: ACTIONS.details, text: 'Details', value: subjectValue })] }]),
    context([`Medic${i ? ` · incident ${i.id}` : ''}${c.proposal ? ` · approval ${c.proposal.approvalId}` : ''} · ${link(self, 'open in Medic')}`]),
  ];
  const proposal = c.proposal ? ` Proposed: ${describeAction(c.proposal.action)} (approval ${c.proposal.approvalId}, ${c.proposal.status}).` : '';
  const text = `${i ? `Incident ${i.id}: ` : ''}${c.job} failed${c.message ? `: ${c.message.split('\n')[0] ?? ''}` : ''}.${proposal}`;
  return message(escape(text), blocks, self);
}
