import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { html } from '../html.ts';
import { sendHtml, type ConsoleKit } from '../kit.ts';
import { page } from '../layout.ts';
import { forecastRegion, loadServiceForecast, loadServicePage, servicePageBody } from './service-page.ts';
import { BOARD_POINTS, boardRegion } from './sla-board.ts';
import { boardEntries } from './sla-sql.ts';

const Name = z.object({ name: z.string().min(1).max(200) });

/** The SLA board and the service pages, both kept current as forecasts change. */
export function slaRoutes(root: FastifyInstance, kit: ConsoleKit): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const db = kit.deps.pool;
  const { formats } = kit;
  const unknown = (name: string) => new AppError('not_found', `service "${name}" does not exist`);

  app.get('/sla', { schema: { hide: true } }, async (req, reply) => {
    const view = kit.view(req, reply);
    const body = html`<p class="hint">Every service's current instance, the likeliest breach first. Forecasts come from the sweep every minute; <a href="/">Now</a> lists the open risks.</p>
${boardRegion(view.formats, await boardEntries(db, BOARD_POINTS))}`;
    return sendHtml(reply, page(view, { title: 'SLA board', section: 'sla', body, live: true, charts: true }));
  });
  app.get('/sla/board', { schema: { hide: true } }, async (_req, reply) => sendHtml(reply, boardRegion(formats(), await boardEntries(db, BOARD_POINTS))));

  app.get('/services/:name', { schema: { hide: true, params: Name } }, async (req, reply) => {
    const view = kit.view(req, reply);
    const p = await loadServicePage(db, req.params.name, view.formats.now);
    if (!p) throw unknown(req.params.name);
    const title = p.stored.definition.title ?? p.stored.name;
    return sendHtml(reply, page(view, { title: `Service: ${title}`, section: 'sla', body: servicePageBody(view.formats, p), live: true, charts: true }));
  });
  app.get('/services/:name/forecast', { schema: { hide: true, params: Name } }, async (req, reply) => {
    const v = await loadServiceForecast(db, req.params.name);
    if (!v) throw unknown(req.params.name);
    return sendHtml(reply, forecastRegion(formats(), v));
  });
}
