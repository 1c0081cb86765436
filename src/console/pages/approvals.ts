import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApprovalStatus } from '../../approvals/schema.ts';
import { describeAction } from '../../policies/action.ts';
import { until, when, type Formats } from '../format.ts';
import { html, type Html } from '../html.ts';
import { sendHtml, type ConsoleKit } from '../kit.ts';
import { page } from '../layout.ts';
import { approvalList, type ApprovalListRow } from './approvals-sql.ts';
import { table } from './live-region.ts';
import { urgency } from './now.ts';

const PAGE = 50;
const Filter = z.enum([...ApprovalStatus.options, 'all']);
type Filter = z.infer<typeof Filter>;
const ListQuery = z.object({
  status: Filter.default('pending'),
  /** Pending requests page forwards (oldest first), the others backwards (newest first). */
  after: z.coerce.number().int().positive().optional(),
  before: z.coerce.number().int().positive().optional(),
});

const TABS: { id: Filter; label: string }[] = [
  { id: 'pending', label: 'Pending' }, { id: 'approved', label: 'Approved' }, { id: 'rejected', label: 'Rejected' },
  { id: 'expired', label: 'Expired' }, { id: 'escalated', label: 'Escalated' }, { id: 'all', label: 'All' },
];

/** The approval list: pending requests oldest first (the one waiting longest comes first), the record newest first. */
export function approvalListRoutes(root: FastifyInstance, kit: ConsoleKit): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get('/approvals', { schema: { hide: true, querystring: ListQuery } }, async (req, reply) => {
    const view = kit.view(req, reply);
    const { status } = req.query;
    const oldest = status === 'pending';
    const cursor = oldest ? req.query.after : req.query.before;
    const rows = await approvalList(kit.deps.pool, {
      order: oldest ? 'oldest' : 'newest', limit: PAGE + 1,
      ...(status === 'all' ? {} : { status }), ...(cursor ? { cursor } : {}),
    });
    const shown = rows.slice(0, PAGE);
    const last = shown.at(-1);
    const next = rows.length > PAGE && last ? `/approvals?status=${status}&${oldest ? 'after' : 'before'}=${last.id}` : null;
    const body = html`<nav aria-label="Approval status"><ul class="tabs">${TABS.map((t) => html`<li><a href="/approvals?status=${t.id}"${t.id === status ? html` aria-current="page"` : ''}>${t.label}</a></li>`)}</ul></nav>
<section class="region" aria-labelledby="list-h"><h2 id="list-h">${TABS.find((t) => t.id === status)?.label ?? status}, ${oldest ? 'waiting longest first' : 'newest first'}</h2>
${approvalTable(view.formats, shown, status)}
${next ? html`<nav class="pager" aria-label="Pages"><a href="${next}">${oldest ? 'Requests that came later' : 'Older requests'}</a></nav>` : ''}
</section>`;
    return sendHtml(reply, page(view, { title: 'Approvals', section: 'approvals', body }));
  });
}

function approvalTable(f: Formats, rows: readonly ApprovalListRow[], status: Filter): Html {
  const need = (a: ApprovalListRow) => (a.requirement.kind === 'quorum' ? a.requirement.count : 1);
  const empty = status === 'pending' ? 'Nothing waits for a vote.' : 'No approval request has this status.';
  return table(['Approval', 'Action', 'Policy', 'Job', 'Status', 'Votes', 'Asked', 'Expires or decided'], rows.map((a) => html`<tr>
<td><a href="/approvals/${a.id}">Approval #${a.id}</a>${a.incident_id ? html`<br><a class="muted" href="/incidents/${a.incident_id}">incident #${a.incident_id}</a>` : ''}</td>
<td>${describeAction(a.action)}${a.action_version > 1 ? html`<br><span class="muted">version ${a.action_version}</span>` : ''}</td>
<td>${a.policy_id ? html`<code>${a.policy_id}</code>` : html`<span class="muted">—</span>`}</td>
<td>${a.job ?? html`<span class="muted">—</span>`}</td>
<td><span class="badge ${a.status}">${a.status}</span></td>
<td>${a.approvals} of ${need(a)}${a.rejections ? html`<br><span class="muted">${a.rejections} against</span>` : ''}</td>
<td>${when(f, a.created_at)}</td>
<td>${a.status === 'pending' ? html`<span class="${urgency(f, a.expires_at)}">expires ${until(f, a.expires_at)}</span>` : html`${a.status} ${when(f, a.decided_at)}`}</td>
</tr>`), empty);
}
