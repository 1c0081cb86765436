import type { FastifyPluginAsync } from 'fastify';
import type { Deps } from '../deps.ts';

/** Liveness, readiness (the database answers) and Prometheus metrics; no token needed. */
export function healthRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
    app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
      try {
        await withTimeout(deps.pool.query('select 1'), 2_000);
        return { status: 'ready', store: deps.store, queue: deps.queue.kind };
      } catch (err) {
        return reply.status(503).send({ status: 'unavailable', reason: `database: ${(err as Error).message}` });
      }
    });
    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
      void reply.header('content-type', deps.metrics.registry.contentType);
      return deps.metrics.registry.metrics();
    });
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e: unknown) => { clearTimeout(t); reject(e); });
  });
}
