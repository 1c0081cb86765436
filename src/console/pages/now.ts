import type { FastifyInstance } from 'fastify';
import { describeAction } from '../../policies/action.ts';
import { clip, percent, span, until, when, type Formats } from '../format.ts';
import { html, type Html } from '../html.ts';
import { sendHtml, type ConsoleKit } from '../kit.ts';
import { page } from '../layout.ts';
import { approvalList, type ApprovalListRow } from './approvals-sql.ts';
import { executionsInFlight, openIncidents, servicesAtRisk, type ExecutionInFlight, type OpenIncident, type ServiceAtRisk } from './now-sql.ts';
import { liveRegion, table } from './live-region.ts';

const LIMIT = 20;

/** The pending requests, the one that has waited longest first: it is the one to look at. */
const pendingApprovals = (db: ConsoleKit['deps']['pool'], limit: number) => approvalList(db, { status: 'pending', order: 'oldest', limit });

/** The "now" page: what needs someone, in the order it needs them, kept current as it changes. */
export function nowRoutes(app: FastifyInstance, kit: ConsoleKit): void {
  const db = kit.deps.pool;
  const { formats } = kit;

  app.get('/', { schema: { hide: true } }, async (req, reply) => {
    const f = formats();
    const [incidents, approvals, risks, executions] = await Promise.all([
      openIncidents(db, LIMIT), pendingApprovals(db, LIMIT), servicesAtRisk(db, LIMIT), executionsInFlight(db, LIMIT),
    ]);
    const body = html`
${approvalsRegion(f, approvals)}
${risksRegion(f, risks)}
${incidentsRegion(f, incidents)}
${executionsRegion(f, executions)}`;
    return sendHtml(reply, page(kit.view(req, reply), { title: 'Now', section: 'now', body, live: true }));
  });
  app.get('/now/approvals', { schema: { hide: true } }, async (_req, reply) => sendHtml(reply, approvalsRegion(formats(), await pendingApprovals(db, LIMIT))));
  app.get('/now/risks', { schema: { hide: true } }, async (_req, reply) => sendHtml(reply, risksRegion(formats(), await servicesAtRisk(db, LIMIT))));
  app.get('/now/incidents', { schema: { hide: true } }, async (_req, reply) => sendHtml(reply, incidentsRegion(formats(), await openIncidents(db, LIMIT))));
  app.get('/now/executions', { schema: { hide: true } }, async (_req, reply) => sendHtml(reply, executionsRegion(formats(), await executionsInFlight(db, LIMIT))));
}

function approvalsRegion(f: Formats, rows: ApprovalListRow[]): Html {
  const need = (a: ApprovalListRow) => (a.requirement.kind === 'quorum' ? a.requirement.count : 1);
  return liveRegion({
    id: 'approvals', topic: 'approvals', src: '/now/approvals', title: 'Pending approvals', count: rows.length,
    body: table(['Approval', 'Action', 'Job', 'Votes', 'Waiting', 'Expires', 'Act by (SLA)'], rows.map((a) => html`<tr>
<td><a href="/approvals/${a.id}">#${a.id}</a></td>
<td>${describeAction(a.action)}${a.policy_id ? html`<br><span class="muted">${a.policy_id}</span>` : ''}</td>
<td>${a.job ?? '—'}</td>
<td>${a.approvals} of ${need(a)}</td>
<td>${span(f.now.getTime() - a.created_at.getTime())}</td>
<td class="${urgency(f, a.expires_at)}">${until(f, a.expires_at)} ${when(f, a.expires_at)}</td>
<td>${a.useful_until ? html`<span class="${urgency(f, a.useful_until)}">${until(f, a.useful_until)}</span>` : html`<span class="muted">—</span>`}</td>
</tr>`), 'Nothing waits for a vote.'),
  });
}

function risksRegion(f: Formats, rows: ServiceAtRisk[]): Html {
  return liveRegion({
    id: 'risks', topic: 'sla', src: '/now/risks', title: 'Services at risk', count: rows.length,
    body: table(['Service', 'P(breach)', 'Deadline', 'ETA p50 / p90', 'Summary'], rows.map((r) => html`<tr>
<td><a href="/services/${encodeURIComponent(r.service)}">${r.service}</a><br><span class="muted">${r.instance_key}</span></td>
<td><meter min="0" max="1" low="0.3" high="0.6" optimum="0" value="${r.p_breach}" aria-label="chance of a breach">${percent(r.p_breach)}</meter> ${percent(r.p_breach)}</td>
<td>${when(f, r.deadline)}<br><span class="muted">${until(f, r.deadline)}</span></td>
<td>${when(f, r.eta_p50)} / ${when(f, r.eta_p90)}</td>
<td>${r.summary}</td>
</tr>`), 'No service is at risk.'),
  });
}

function incidentsRegion(f: Formats, open: { rows: OpenIncident[]; total: number }): Html {
  const storms = open.rows.filter((i) => i.kind === 'storm');
  const banner = storms.map((s) => html`<p class="storm" role="alert"><strong>Storm:</strong> <a href="/incidents/${s.id}">${s.jobs_affected} jobs failing alike</a>, ${s.occurrences} failures since ${when(f, s.opened_at)}: <code>${clip(s.template, 140)}</code></p>`);
  return liveRegion({
    id: 'incidents', topic: 'incidents', src: '/now/incidents', title: 'Open incidents', count: open.total,
    body: html`${banner}${table(['Incident', 'Job', 'Failures', 'Last seen', 'Signature'], open.rows.map((i) => html`<tr>
<td><a href="/incidents/${i.id}">#${i.id}</a>${i.kind === 'storm' ? html` <span class="badge warn">storm</span>` : ''}</td>
<td>${i.job}${i.jobs_affected > 1 ? html`<br><span class="muted">and ${i.jobs_affected - 1} more</span>` : ''}</td>
<td>${i.occurrences}</td>
<td>${when(f, i.last_seen_at)}</td>
<td><code>${clip(i.template, 120)}</code></td>
</tr>`), 'No open incident.')}${open.total > open.rows.length ? html`<p><a href="/incidents?status=open">All ${open.total} open incidents</a></p>` : ''}`,
  });
}

function executionsRegion(f: Formats, rows: ExecutionInFlight[]): Html {
  return liveRegion({
    id: 'executions', topic: 'executions', src: '/now/executions', title: 'Executions in flight', count: rows.length,
    body: table(['Execution', 'Action', 'Job', 'State', 'Allowed by', 'Since'], rows.map((e) => html`<tr>
<td><a href="/audit?execution=${e.id}">#${e.id}</a>${e.approval_id ? html`<br><a class="muted" href="/approvals/${e.approval_id}">approval #${e.approval_id}</a>` : ''}</td>
<td>${describeAction(e.action)}<br><span class="muted">${e.source}</span></td>
<td>${e.job ?? '—'}</td>
<td>${e.state}${e.verification === 'awaiting' ? html`<br><span class="muted">verifying${e.verify_deadline ? html` until ${when(f, e.verify_deadline)}` : ''}</span>` : ''}</td>
<td>${e.actor}</td>
<td>${when(f, e.created_at)}</td>
</tr>`), 'Nothing is being carried out.'),
  });
}

/** A class for how soon a moment comes: past, within 10 minutes, or later. */
export function urgency(f: Formats, at: Date): string {
  const left = at.getTime() - f.now.getTime();
  return left <= 0 ? 'late' : left < 10 * 60_000 ? 'soon' : '';
}
