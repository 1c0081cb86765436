import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { ttlCache } from '../../decide/cache.ts';
import { AppError } from '../../errors.ts';
import { datasetLookup } from '../../trace/datasets.ts';
import { originOfIncident, originOfService, type OriginResult } from '../../trace/service.ts';
import { html } from '../html.ts';
import { sendHtml, type ConsoleKit } from '../kit.ts';
import { page } from '../layout.ts';
import { blank } from './form-fields.ts';
import { followed, progressOf } from './lineage-timeline.ts';
import { instanceForm, lineageBody, lineageRegion, PARTS, type LineageView } from './lineage-view.ts';

const Name = z.object({ name: z.string().min(1).max(200) });
const Id = z.object({ id: z.coerce.number().int().positive() });

/**
 * A moment as the form's `datetime-local` input sends it (a wall-clock time in `zone`), or an
 * ISO 8601 time with its offset; empty or absent is now.
 */
function momentIn(zone: string) {
  return z.string().trim().max(40).optional().transform((text, ctx) => {
    if (!text) return undefined;
    const t = DateTime.fromISO(text, { zone });
    if (t.isValid) return t.toJSDate();
    ctx.addIssue({ code: 'custom', message: `must be a time such as 2026-11-24T05:30 (in ${zone}) or an ISO 8601 time with its offset` });
    return z.NEVER;
  });
}

/** Where did an instance's problems start: a service instance's lineage page, an incident's, and their regions. */
export function lineageRoutes(root: FastifyInstance, kit: ConsoleKit): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const deps = { db: kit.deps.pool, datasets: datasetLookup(kit.deps.pool) };
  const zone = kit.deps.config.timeZone;
  const At = z.object({ at: momentIn(zone) });
  const Query = At.extend({ key: blank(z.string().trim().min(1).max(1000)) });
  const Part = { part: z.enum(PARTS) };

  /** The view of an origin result: it follows the instance (through `src`) while it runs and no past moment was asked for. */
  const viewOf = (out: OriginResult, at: Date | undefined, src: (key: string) => string): LineageView => {
    if (out.kind === 'not-found') throw new AppError('not_found', out.what);
    const live = at === undefined && followed(progressOf(out.trace));
    return {
      trace: out.trace, report: out.report, past: at !== undefined,
      src: live ? src(out.trace.key) : null,
      // A job no service holds has no forecast to follow: its incidents change instead.
      topic: out.trace.service.includes('/') ? 'incidents' : 'sla',
    };
  };
  // A change refreshes the page's four regions at once, each in its own request: the ones that
  // follow the present share one trace for a moment instead of building it four times.
  const present = ttlCache<OriginResult>(64, 2_000);
  const now = (key: string, at: Date | undefined, load: (at: Date) => Promise<OriginResult>) =>
    (at === undefined ? present.get(key, () => load(kit.deps.clock())) : load(at));
  const ofService = async (name: string, q: { key?: string | undefined; at?: Date | undefined }) => viewOf(
    await now(`s\u0000${name}\u0000${q.key ?? 'latest'}`, q.at, (at) => originOfService(deps, name, q.key ?? 'latest', at)), q.at,
    (key) => `/services/${encodeURIComponent(name)}/lineage/region?key=${encodeURIComponent(key)}`,
  );
  const ofIncident = async (id: number, at: Date | undefined) => viewOf(
    await now(`i\u0000${id}`, at, (t) => originOfIncident(deps, id, t)), at, () => `/incidents/${id}/lineage/region`,
  );

  app.get('/services/:name/lineage', { schema: { hide: true, params: Name, querystring: Query } }, async (req, reply) => {
    const view = kit.view(req, reply);
    const v = await ofService(req.params.name, req.query);
    const action = `/services/${encodeURIComponent(req.params.name)}/lineage`;
    const body = lineageBody(view.formats, v, instanceForm(action, zone, req.query, true));
    return sendHtml(reply, page(view, { title: `Where did it start? ${v.trace.service}, instance ${v.trace.key}`, section: 'sla', body, live: v.src !== null }));
  });
  app.get('/services/:name/lineage/region', { schema: { hide: true, params: Name, querystring: Query.extend(Part) } }, async (req, reply) => {
    const v = await ofService(req.params.name, req.query);
    return sendHtml(reply, lineageRegion(kit.formats(), v, req.query.part));
  });

  app.get('/incidents/:id/lineage', { schema: { hide: true, params: Id, querystring: At } }, async (req, reply) => {
    const view = kit.view(req, reply);
    const v = await ofIncident(req.params.id, req.query.at);
    const form = instanceForm(`/incidents/${req.params.id}/lineage`, zone, req.query, false);
    const t = v.trace;
    const body = html`<p class="hint">The instance of the incident's latest failed run, its failure walked upstream.
<a href="/incidents/${req.params.id}">Back to incident #${req.params.id}</a>${t.service.includes('/') ? '' : html` · <a href="/services/${encodeURIComponent(t.service)}/lineage?key=${encodeURIComponent(t.key)}">The whole instance of ${t.service}</a>`}</p>
${lineageBody(view.formats, v, form)}`;
    return sendHtml(reply, page(view, { title: `Where did incident #${req.params.id} start?`, section: 'incidents', body, live: v.src !== null }));
  });
  app.get('/incidents/:id/lineage/region', { schema: { hide: true, params: Id, querystring: At.extend(Part) } }, async (req, reply) => {
    const v = await ofIncident(req.params.id, req.query.at);
    return sendHtml(reply, lineageRegion(kit.formats(), v, req.query.part));
  });
}
