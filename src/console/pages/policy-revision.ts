/** A stored policy revision: who applied it from which commit, its files, and the history of activations. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { RevisionId } from '../../policies/revision-schema.ts';
import { getRevision, listActivations, type ActivationRow, type RevisionRow } from '../../policies/revisions-sql.ts';
import { when, type Formats } from '../format.ts';
import { html, type Html } from '../html.ts';
import { sendHtml, type ConsoleKit } from '../kit.ts';
import { page } from '../layout.ts';
import { table } from './live-region.ts';

/** Activations of any revision the page lists, newest first. */
const HISTORY = 20;

/** A link to a stored revision's page. */
export const revisionLink = (id: string): Html => html`<a href="/policies/revisions/${id}"><code>${id}</code></a>`;

/** "by alice, commit 1a2b3c4, applied by ci": the facts a decision or the policies page shows beside a revision. */
export function revisionByline(r: RevisionRow): Html {
  return html`#${r.number}${r.author ? html`, by ${r.author}` : ''}${r.commit ? html`, commit <code>${r.commit.slice(0, 12)}</code>` : ''}, applied by ${r.applied_by}`;
}

function history(f: Formats, rows: readonly ActivationRow[], shown: string): Html {
  return table(['#', 'When', 'Revision', 'How', 'By', 'Message'], rows.map((a) => html`<tr${a.revision_id === shown ? html` class="current"` : ''}>
<td>${a.id}</td><td>${when(f, a.activated_at)}</td><td>${revisionLink(a.revision_id)}</td><td>${a.kind === 'apply' ? 'applied' : 'made active again'}</td><td>${a.activated_by}</td><td>${a.message ?? ''}</td></tr>`), 'No revision was ever activated.');
}

export function policyRevisionRoutes(root: FastifyInstance, kit: ConsoleKit): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const db = kit.deps.pool;

  app.get('/policies/revisions/:id', { schema: { hide: true, params: z.object({ id: RevisionId }) } }, async (req, reply) => {
    const view = kit.view(req, reply);
    const [r, activations] = await Promise.all([getRevision(db, req.params.id), listActivations(db, HISTORY)]);
    if (!r) throw new AppError('not_found', `policy revision ${req.params.id} is not stored`);
    const f = view.formats;
    const body = html`<p><a href="/policies/revisions">Every stored revision</a></p>
<section class="region" aria-labelledby="rev-h"><h2 id="rev-h">The revision ${r.active ? html`<span class="badge">active</span>` : ''}</h2>
<dl class="facts">
<dt>Revision</dt><dd><code>${r.id}</code> (#${r.number})</dd>
<dt>Author</dt><dd>${r.author ?? html`<span class="muted">not given</span>`}</dd>
<dt>Commit</dt><dd>${r.commit ? html`<code>${r.commit}</code>` : html`<span class="muted">not given</span>`}</dd>
<dt>Message</dt><dd>${r.message ?? html`<span class="muted">none</span>`}</dd>
<dt>Applied</dt><dd>${when(f, r.applied_at)} by ${r.applied_by}</dd>
<dt>Policies</dt><dd>${r.policy_ids.map((id, i) => html`${i ? ', ' : ''}<code>${id}</code>`)}</dd>
</dl>
<h3>Its activations</h3>
${history(f, r.activations, r.id)}
</section>
<section class="region" aria-labelledby="files-h"><h2 id="files-h">Files as applied</h2>
${r.files.map((file) => html`<details><summary><code>${file.name}</code></summary><pre class="yaml"><code>${file.text}</code></pre></details>`)}
</section>
<section class="region" aria-labelledby="hist-h"><h2 id="hist-h">What ran when</h2>
<p class="hint">The newest activations of any revision: each revision ran from its activation until the next.</p>
${history(f, activations, r.id)}
</section>`;
    return sendHtml(reply, page(view, { title: `Policy revision ${r.id}`, section: 'policies', body }));
  });
}
