import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listAudit } from '../../approvals/audit.ts';
import { getDecision } from '../../decide/log-sql.ts';
import { AppError } from '../../errors.ts';
import { revisionsById } from '../../policies/revisions-sql.ts';
import { html } from '../html.ts';
import { sendHtml, type ConsoleKit } from '../kit.ts';
import { notice, page } from '../layout.ts';
import { decisionFilter, decisionFilters, decisionPage, decisionTable, DecisionListQuery, shortId } from './decision-list.ts';
import { decisionBody } from './decision-view.ts';
import { consequencesOf } from './decisions-sql.ts';

/** Audit steps the decision page shows; its audit page shows more. */
const AUDIT = 100;

/** The decision log: every evaluation of the policies, filtered, and one decision with its reasons. */
export function decisionRoutes(root: FastifyInstance, kit: ConsoleKit): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const db = kit.deps.pool;

  app.get('/decisions', { schema: { hide: true, querystring: DecisionListQuery } }, async (req, reply) => {
    const view = kit.view(req, reply);
    const zone = kit.deps.config.timeZone;
    const filters = decisionFilters(req.query, kit.deps.policies.current().policies.map((p) => p.id), zone);
    const parsed = decisionFilter(req.query, zone);
    if (parsed.kind === 'invalid') {
      const body = html`${notice('error', `These filters are not valid: ${parsed.reason}.`)}${filters}`;
      return sendHtml(reply, page(view, { title: 'Decisions', section: 'decisions', body }), 400);
    }
    const list = await decisionPage(db, parsed.filter);
    const body = html`${filters}
<section class="region" aria-labelledby="log-h"><h2 id="log-h">${req.query.after ? 'Older decisions' : 'Newest first'}</h2>
${decisionTable(view.formats, req.query, list)}
</section>`;
    return sendHtml(reply, page(view, { title: 'Decisions', section: 'decisions', body }));
  });

  app.get('/decisions/:id', { schema: { hide: true, params: z.object({ id: z.uuid() }) } }, async (req, reply) => {
    const view = kit.view(req, reply);
    const d = await getDecision(db, req.params.id);
    if (!d) throw new AppError('not_found', `decision ${req.params.id} does not exist`);
    const [led, audit, [revision]] = await Promise.all([consequencesOf(db, d.id), listAudit(db, { decision: d.id, limit: AUDIT }), revisionsById(db, [d.policy_revision])]);
    const title = `Decision ${shortId(d.id)}: ${d.action.replaceAll('_', ' ')} for ${d.job}`;
    return sendHtml(reply, page(view, { title, section: 'decisions', body: decisionBody(view.formats, d, led, audit, revision) }));
  });
}
