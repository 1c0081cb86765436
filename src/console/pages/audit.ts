import type { FastifyInstance } from 'fastify';
import { auditLine } from '../../approvals/audit-lines.ts';
import { listAudit, type AuditRow } from '../../approvals/audit.ts';
import { AuditQuery } from '../../approvals/schema.ts';
import { when, type Formats } from '../format.ts';
import { html, type Html } from '../html.ts';
import { sendHtml, type ConsoleKit } from '../kit.ts';
import { notice, page, type Section } from '../layout.ts';
import { shortId } from './decision-list.ts';
import { jsonBlock } from './evidence.ts';

/** Steps one audit page shows; a longer story says so and points at the CLI and API. */
const LIMIT = 500;

/** The audit log of one incident, approval, execution or decision, as a timeline. */
export function auditRoutes(app: FastifyInstance, kit: ConsoleKit): void {
  app.get('/audit', { schema: { hide: true } }, async (req, reply) => {
    const view = kit.view(req, reply);
    const parsed = AuditQuery.safeParse({ ...(req.query as Record<string, unknown>), limit: LIMIT });
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => i.message).join('; ');
      const body = html`${notice('error', `This audit query is not valid: ${why}.`)}
<p>Name exactly one subject, as in <code>/audit?incident=12</code>, <code>/audit?approval=7</code>, <code>/audit?execution=3</code> or <code>/audit?decision=&lt;uuid&gt;</code>.</p>`;
      return sendHtml(reply, page(view, { title: 'Audit log', section: 'now', body }), 400);
    }
    const q = parsed.data;
    const rows = await listAudit(kit.deps.pool, q);
    const [subject, section, back]: [string, Section, string] =
      q.incident !== undefined ? [`incident #${q.incident}`, 'incidents', `/incidents/${q.incident}`]
        : q.approval !== undefined ? [`approval #${q.approval}`, 'approvals', `/approvals/${q.approval}`]
          : q.execution !== undefined ? [`execution #${q.execution}`, 'approvals', '']
            : [`decision ${shortId(q.decision ?? '')}`, 'decisions', `/decisions/${q.decision ?? ''}`];
    const body = html`${back ? html`<p><a href="${back}">Back to ${subject}</a></p>` : ''}
<section class="region" aria-labelledby="steps-h"><h2 id="steps-h">Every step, oldest first</h2>
${rows.length >= LIMIT ? html`<p class="muted">The first ${LIMIT} steps; <code>medic audit</code> and <code>GET /v1/audit</code> give all of them.</p>` : ''}
${auditTimeline(view.formats, rows, q)}
</section>`;
    return sendHtml(reply, page(view, { title: `Audit log of ${subject}`, section, body }));
  });
}

/**
 * Steps of the audit log as a timeline: when, who, what kind, the step in words, and its raw
 * detail; each links to the other subjects it belongs to than `subject`, the page's own.
 */
export function auditTimeline(f: Formats, rows: readonly AuditRow[], subject: Partial<AuditQuery> = {}): Html {
  if (rows.length === 0) return html`<p class="empty">Nothing is recorded yet.</p>`;
  return html`<ol class="timeline">${rows.map((e) => html`<li id="step-${e.id}">
<p class="step"><span class="when">${when(f, e.at)}</span> <strong>${e.actor}</strong> <span class="badge">${e.kind}</span> ${auditLine(e)}</p>
${links(e, subject)}
<details><summary>Raw detail of step ${e.id}</summary>${jsonBlock(e.detail)}</details>
</li>`)}</ol>`;
}

/** Where else the step belongs, for the subjects other than the page's own. */
function links(e: AuditRow, s: Partial<AuditQuery>): Html {
  const out: Html[] = [];
  if (e.incident_id !== null && e.incident_id !== s.incident) out.push(html`<a href="/incidents/${e.incident_id}">incident #${e.incident_id}</a>`);
  if (e.approval_id !== null && e.approval_id !== s.approval) out.push(html`<a href="/approvals/${e.approval_id}">approval #${e.approval_id}</a>`);
  if (e.execution_id !== null && e.execution_id !== s.execution) out.push(html`<a href="/audit?execution=${e.execution_id}">execution #${e.execution_id}</a>`);
  if (e.decision_id !== null && e.decision_id !== s.decision) out.push(html`<a href="/decisions/${e.decision_id}">decision ${shortId(e.decision_id)}</a>`);
  if (out.length === 0) return html``;
  return html`<p class="muted">About ${out.map((l, i) => html`${i ? ', ' : ''}${l}`)}</p>`;
}
