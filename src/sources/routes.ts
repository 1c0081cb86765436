import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { Authenticator } from '../http/auth.ts';
import { sourcesHealth } from './health.ts';

const Name = z.object({ name: z.string().min(1).max(200) });
const Errors = z.strictObject({ errors: z.coerce.number().int().min(0).max(500).default(20).describe('how many of the latest sync errors to include') });

/** The sources Medic pulls history from, and how each one stands. */
export function sourceRoutes(deps: Deps, auth: Authenticator): FastifyPluginAsync {
  const configured = () => deps.config.sources;
  const one = (name: string) => {
    const c = configured().find((s) => s.source === name);
    if (!c) throw new AppError('not_found', `no source "${name}" is configured (MEDIC_SOURCES)`, { details: [{ path: ['name'], message: `configured: ${configured().map((s) => s.source).join(', ') || 'none'}` }] });
    return c;
  };
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    app.get('/v1/sources', {
      schema: {
        summary: 'The configured sources and their sync health',
        description: 'Each source of `MEDIC_SOURCES` without its credentials: its status (never_synced, syncing, ok, failing, stopped), the last attempt and success, the lag (seconds since the start of the last complete pass), the last error, the newest event pulled, and counts.',
      },
      onRequest: async (req) => void auth.require(req, 'read'),
    }, async () => ({ sources: await sourcesHealth(deps.pool, configured(), deps.clock()) }));

    app.get('/v1/sources/:name', {
      schema: { summary: 'One source, with its latest sync errors (malformed pages, refused payloads, failed calls)', params: Name, querystring: Errors },
      onRequest: async (req) => void auth.require(req, 'read'),
    }, async (req) => (await sourcesHealth(deps.pool, [one(req.params.name)], deps.clock(), { errors: req.query.errors }))[0]);

    app.post('/v1/sources/:name/sync', {
      schema: { summary: 'Queue a pass over the source now (also a stopped one, once its credentials are fixed)', params: Name },
      onRequest: async (req) => void auth.require(req, 'admin'),
    }, async (req, reply) => {
      const c = one(req.params.name);
      await deps.pool.query('update source_state set stopped = false where source = $1', [c.source]);
      const queued = await deps.queue.enqueue('source-sync', { source: c.source });
      // A full in-process queue refuses it: the schedule's next pass comes all the same, but this one was asked for now.
      if (queued.kind === 'refused') throw new AppError('overloaded', `the queue is full (${queued.waiting} jobs waiting): ask again later, or wait for the source's next interval`, { retryAfterMs: 5_000 });
      return reply.status(202).send({ source: c.source, queued: true });
    });
  };
}
