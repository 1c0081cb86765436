/** Every stored policy revision, newest first, a page at a time. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { RevisionListQuery } from '../../policies/revision-schema.ts';
import { listRevisions, type ListedRevision } from '../../policies/revisions-sql.ts';
import { when, type Formats } from '../format.ts';
import { html, type Html } from '../html.ts';
import { sendHtml, type ConsoleKit } from '../kit.ts';
import { page } from '../layout.ts';
import { table } from './live-region.ts';
import { revisionLink } from './policy-revision.ts';

function revisionTable(f: Formats, rows: readonly ListedRevision[], before: number | undefined): Html {
  if (rows.length === 0) {
    return before
      ? html`<p class="empty">No revision was stored before #${before}.</p>`
      : html`<p class="empty">No revision is stored: servers run the policy folder. Store one with <code>medic policies apply DIR --yes</code> (or <code>POST /v1/policies/revisions</code>) and it shows here.</p>`;
  }
  const none = html`<span class="muted">—</span>`;
  return table(['#', 'Revision', 'Author', 'Commit', 'Message', 'Applied', 'By'], rows.map((r) => html`<tr${r.active ? html` class="current"` : ''}>
<td>${r.number}</td><th scope="row">${revisionLink(r.id)}${r.active ? html` <span class="badge">active</span>` : ''}</th><td>${r.author ?? none}</td>
<td>${r.commit ? html`<code>${r.commit.slice(0, 12)}</code>` : none}</td><td>${r.message ?? none}</td><td>${when(f, r.applied_at)}</td><td>${r.applied_by}</td></tr>`), '');
}

export function policyRevisionListRoutes(root: FastifyInstance, kit: ConsoleKit): void {
  const app = root.withTypeProvider<ZodTypeProvider>();

  // The API's query, so that `limit` and `before` mean the same in both.
  app.get('/policies/revisions', { schema: { hide: true, querystring: RevisionListQuery } }, async (req, reply) => {
    const view = kit.view(req, reply);
    const { limit, before } = req.query;
    // One more than shown: an "older" link only when there is an older revision to show.
    const rows = await listRevisions(kit.deps.pool, { limit: limit + 1, ...(before ? { before } : {}) });
    const shown = rows.slice(0, limit);
    const last = shown.at(-1);
    const older = rows.length > limit && last ? `/policies/revisions?before=${last.number}&limit=${limit}` : null;
    const body = html`<p><a href="/policies">The loaded policies</a></p>
<section class="region" aria-labelledby="revs-h"><h2 id="revs-h">${before ? `Stored before #${before}` : 'Stored revisions'}, newest first</h2>
<p class="hint">Each revision is a policy set as applied; the active one is what servers run. Make an earlier one active again with <code>medic policies rollback ID</code>.</p>
${revisionTable(view.formats, shown, before)}
${older ? html`<nav class="pager" aria-label="Pages"><a href="${older}">Older revisions</a></nav>` : ''}
</section>`;
    return sendHtml(reply, page(view, { title: 'Policy revisions', section: 'policies', body }));
  });
}
