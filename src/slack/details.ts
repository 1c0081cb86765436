import { code, context, escape, link, message, modal, section, type ModalView, type SlackMessage } from './blocks.ts';
import type { IncidentCard } from './card.ts';
import { incidentMessage, outcomeLine } from './incident-blocks.ts';

const selfUrl = (c: IncidentCard, publicUrl: string) => (c.incident ? `${publicUrl}/v1/incidents/${c.incident.id}` : `${publicUrl}/v1/approvals/${c.proposal?.approvalId ?? 0}`);

/**
 * What the Details button shows, to the clicker only: the card without its buttons, then
 * everything it left out — every fix and similar incident, every vote, the dry run — and links.
 */
export function detailsMessage(c: IncidentCard, publicUrl: string): SlackMessage {
  const base = incidentMessage(c, publicUrl).blocks.filter((b) => b.type !== 'actions' && b.type !== 'context');
  const self = selfUrl(c, publicUrl);
  const p = c.proposal;
  const more = [
    c.fixes.length > 3 ? `*Every recorded fix*\n${c.fixes.map((f) => `• ${escape(f)}`).join('\n')}` : '',
    p ? `*Votes on this version*\n${p.votes.length ? p.votes.map((v) => `• ${escape(v.approver)}: ${v.verdict} via ${v.via}${v.reason ? ` — ${escape(v.reason)}` : ''}`).join('\n') : '• none yet'}` : '',
    p ? `*Status* ${outcomeLine(p)}\n*Dry run* ${code(p.dryRun, 1_000)}` : '',
  ].filter((t) => t !== '');
  const links = [link(self, 'this in Medic'), ...(p ? [link(`${publicUrl}/v1/audit?approval=${p.approvalId}`, 'its audit log')] : [])];
  return message(`Details of ${c.incident ? `incident ${c.incident.id}` : `approval ${p?.approvalId ?? ''}`}`, [...base, ...more.map((t) => section(t, self)), context([links.join(' · ')])], self);
}

/** The same details as a modal (`views.open`), which is what a click on Details opens when Slack lets it. */
export function detailsModal(c: IncidentCard, publicUrl: string): ModalView {
  const title = c.incident ? `Incident ${c.incident.id}` : `Approval ${c.proposal?.approvalId ?? ''}`;
  return modal(title, detailsMessage(c, publicUrl).blocks, selfUrl(c, publicUrl));
}
