import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { getIncident, type IncidentView } from '../../incidents/read-sql.ts';
import { resolveByPerson } from '../../incidents/resolve.ts';
import { clip, span, when, type Formats } from '../format.ts';
import { html, type Html } from '../html.ts';
import { personOf, sendHtml, type ConsoleKit } from '../kit.ts';
import { csrfField, notice, page, type View } from '../layout.ts';
import { can } from '../person.ts';
import { excerptBlock, fixesList, signatureBlock, similarTable } from './evidence.ts';
import { agentRunBlock, approvalsTable, executionsTable, historyTable, timelineTable } from './incident-blocks.ts';
import { incidentList, incidentListBody, IncidentListQuery } from './incident-list.ts';
import { incidentPage, type IncidentPage } from './incident-page.ts';
import { liveRegion } from './live-region.ts';

const Id = z.object({ id: z.coerce.number().int().positive() });
const OUTCOMES = ['success', 'failure', 'noise'] as const;
const ResolveForm = z.object({
  _csrf: z.string(),
  action: z.string().trim().max(100).default(''),
  detail: z.string().trim().max(2_000).optional(),
  outcome: z.enum(OUTCOMES).default('success'),
});
/** Actions people usually name; any other text is accepted. */
const ACTIONS = ['retry', 'rerun', 'manual_fix', 'config_change', 'code_fix', 'upstream_fix', 'noise'];
const ENDED = new Set(['resolved', 'closed']);

/** Incidents: the list, one incident with everything known about it, and resolving it by hand. */
export function incidentRoutes(root: FastifyInstance, kit: ConsoleKit): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const db = kit.deps.pool;
  const load = async (id: number) => {
    const p = await incidentPage(db, id);
    if (!p) throw new AppError('not_found', `incident ${id} does not exist`);
    return p;
  };
  const show = async (req: FastifyRequest, reply: FastifyReply, id: number, message: Html | null, status = 200) => {
    const view = kit.view(req, reply);
    const p = await load(id);
    const title = `Incident #${id}: ${clip(p.detail.title.split('\n')[0] ?? '', 80)}`;
    return sendHtml(reply, page(view, { title, section: 'incidents', live: true, body: incidentBody(view, p, message) }), status);
  };

  app.get('/incidents', { schema: { hide: true, querystring: IncidentListQuery } }, async (req, reply) => {
    const view = kit.view(req, reply);
    const list = await incidentList(db, req.query);
    return sendHtml(reply, page(view, { title: 'Incidents', section: 'incidents', body: incidentListBody(view.formats, req.query, list) }));
  });

  app.get('/incidents/:id', { schema: { hide: true, params: Id, querystring: z.object({ done: z.enum(['resolved']).optional() }) } },
    async (req, reply) => show(req, reply, req.params.id, req.query.done ? notice('ok', 'Resolved: what fixed it now counts in the success rates of this signature.') : null));

  app.get('/incidents/:id/state', { schema: { hide: true, params: Id } }, async (req, reply) => {
    const incident = await getIncident(db, req.params.id);
    if (!incident) throw new AppError('not_found', `incident ${req.params.id} does not exist`);
    return sendHtml(reply, stateRegion(kit.view(req, reply).formats, incident, null));
  });

  app.post('/incidents/:id/resolve', { schema: { hide: true, params: Id, body: ResolveForm } }, async (req, reply) => {
    const person = personOf(req);
    if (!can(person, 'approve')) throw new AppError('forbidden', `${person.name} may not resolve incidents (no approve scope)`);
    const id = req.params.id;
    const { action, detail, outcome } = req.body;
    if (!action) return show(req, reply, id, notice('error', 'Say what was done: an action is required.'), 400);
    const out = await resolveByPerson(kit.deps, id, { action, outcome, ...(detail ? { detail } : {}) }, person.name, 'web');
    switch (out.kind) {
      case 'resolved': return reply.redirect(`/incidents/${id}?done=resolved`, 303);
      case 'not_found': throw new AppError('not_found', `incident ${id} does not exist`);
      case 'already': return show(req, reply, id, notice('error', `Not done: incident #${id} is already ${out.status}.`), 409);
      default: {
        const never: never = out;
        return never;
      }
    }
  });
}

function incidentBody(view: View, p: IncidentPage, message: Html | null): Html {
  const f = view.formats;
  const d = p.detail;
  const e = d.evidence;
  return html`
${stateRegion(f, d, message)}
<p><a href="/incidents/${d.id}/lineage">Where did it start?</a> <span class="muted">The instance of its latest failed run, traced upstream across every system.</span></p>
${can(view.person, 'approve') && !ENDED.has(d.status) ? resolveForm(view, d.id) : ''}
<section class="region" aria-labelledby="timeline-h"><h2 id="timeline-h">Runs and attempts</h2>
<p class="muted">${d.kind === 'storm' ? `A storm across ${d.jobs_affected} jobs. ` : ''}${d.runs.length < d.occurrences ? `The latest ${d.runs.length} of ${d.occurrences} failures` : `${d.occurrences} failures`}, in ${p.runOrder.length} runs, the latest failure first; each run shows all its attempts.</p>
${timelineTable(f, p.runOrder, p.attempts, p.failed)}
</section>
<section class="region" aria-labelledby="failure-h"><h2 id="failure-h">The failure</h2>
${signatureBlock(d.signature)}
<p>Seen ${d.signature.occurrences} times in all; <strong>${e.outlier.label}</strong> (on ${e.outlier.days_seen_in_30} of the 30 days before this incident). <a href="/incidents?status=all&amp;signature=${d.signature.id}">Every incident of this signature</a></p>
${p.latest ? html`<h3>The latest failed attempt (${p.latest.job_namespace}/${p.latest.job_name}, attempt ${p.latest.attempt})</h3>${excerptBlock(p.latest.error_message, p.latest.error_detail)}` : ''}
</section>
<section class="region" aria-labelledby="similar-h"><h2 id="similar-h">Similar past incidents and what fixed them</h2>
${fixesList(e.fixes)}
${similarTable(e.similar_incidents)}
</section>
<section class="region" aria-labelledby="agent-h"><h2 id="agent-h">Agent diagnosis</h2>
${p.agentRuns.length ? p.agentRuns.map((r) => agentRunBlock(f, r)) : html`<p class="empty">No agent ran on this incident.</p>`}
${p.moreAgentRuns.length ? html`<p class="muted">Earlier agent runs: ${p.moreAgentRuns.map((id, i) => `${i ? ', ' : ''}#${id}`)} (their steps are in the audit log).</p>` : ''}
</section>
<section class="region" aria-labelledby="actions-h"><h2 id="actions-h">Approvals and executions</h2>
<h3>Approvals</h3>${approvalsTable(f, p.approvals)}
<h3>Executions</h3>${executionsTable(f, p.executions)}
</section>
<section class="region" aria-labelledby="history-h"><h2 id="history-h">Resolution history of this signature</h2>
${historyTable(f, p.history)}
</section>
<p><a href="/audit?incident=${d.id}">The audit log of incident #${d.id}</a></p>`;
}

/** Status, scale, times and how it ended: the part of the page that changes as failures come and go. */
function stateRegion(f: Formats, i: IncidentView, message: Html | null): Html {
  const r = i.resolution;
  return liveRegion({
    id: 'state', topic: 'incidents', src: `/incidents/${i.id}/state`, title: 'Status',
    body: html`${message ?? ''}
<dl class="facts">
<dt>Status</dt><dd><span class="badge ${i.status}">${i.status}</span>${i.closed_at ? html` since ${when(f, i.closed_at)}` : ''}</dd>
<dt>Kind</dt><dd>${i.kind === 'storm' ? html`<span class="badge warn">storm</span> ${i.jobs_affected} jobs affected` : 'one job'}</dd>
<dt>Job</dt><dd>${i.job.namespace}/${i.job.name}${i.kind === 'storm' ? ' (the first struck)' : ''}</dd>
<dt>Failures</dt><dd>${i.occurrences}</dd>
<dt>Opened</dt><dd>${when(f, i.opened_at)}</dd>
<dt>Last seen</dt><dd>${when(f, i.last_seen_at)}</dd>
</dl>
${r ? html`<p class="resolution">Resolved ${when(f, r.resolved_at)} by <strong>${r.actor}</strong> with <strong>${r.action}</strong>: <span class="badge ${r.outcome}">${r.outcome}</span>${r.time_to_recover_ms ? `, ${span(r.time_to_recover_ms)} after the first failure` : ''}${r.detail ? html` (${r.detail})` : ''}.</p>` : ''}`,
  });
}

function resolveForm(view: View, id: number): Html {
  return html`<section class="region" aria-labelledby="resolve-h"><h2 id="resolve-h">Resolve by hand</h2>
<form method="post" action="/incidents/${id}/resolve" class="resolve">${csrfField(view)}
<label for="resolve-action">What was done</label>
<input id="resolve-action" name="action" list="resolve-actions" required maxlength="100" aria-describedby="resolve-action-hint">
<datalist id="resolve-actions">${ACTIONS.map((a) => html`<option value="${a}"></option>`)}</datalist>
<p id="resolve-action-hint" class="hint">retry, rerun, manual_fix, config_change … or your own words.</p>
<label for="resolve-detail">Detail (optional)</label><textarea id="resolve-detail" name="detail" rows="2" maxlength="2000"></textarea>
<fieldset><legend>Outcome</legend>
${OUTCOMES.map((o) => html`<label class="inline"><input type="radio" name="outcome" value="${o}"${o === 'success' ? html` checked` : ''}> ${OUTCOME_WORDS[o]}</label>`)}
</fieldset>
<button type="submit" class="primary">Resolve incident #${id}</button>
</form></section>`;
}

const OUTCOME_WORDS: Record<(typeof OUTCOMES)[number], string> = {
  success: 'It fixed the failure', failure: 'It did not fix it', noise: 'Not a real incident',
};
