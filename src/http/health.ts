import type { FastifyPluginAsync } from 'fastify';
import { pendingMigrations, readMigrations } from '../db/migrate.ts';
import type { Deps } from '../deps.ts';
import { MIGRATIONS_DIR } from '../runtime.ts';
import { refreshSourceGauges } from '../sources/health.ts';

/**
 * Liveness (the process answers), readiness (the store and the queue answer, and every migration
 * this build ships is applied) and Prometheus metrics; no token needed.
 */
export function healthRoutes(deps: Deps): FastifyPluginAsync {
  const shipped = readMigrations(MIGRATIONS_DIR);
  return async (app) => {
    app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
    app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
      // As every 503 of Medic's: when to look again.
      const unavailable = (reason: string) => reply.status(503).header('retry-after', '5').send({ status: 'unavailable', reason });
      try {
        await withTimeout(deps.pool.query('select 1'), 2_000);
      } catch (err) {
        return unavailable(`database: ${(err as Error).message}`);
      }
      try {
        await withTimeout(deps.queue.ping(), 2_000);
      } catch (err) {
        return unavailable(`queue: ${(err as Error).message}`);
      }
      const pending = await pendingMigrations(deps.pool, await shipped).catch((err: unknown) => [`(${(err as Error).message})`]);
      if (pending.length) return unavailable(`migrations not applied: ${pending.join(', ')}`);
      return { status: 'ready', store: deps.store, queue: deps.queue.kind };
    });
    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
      void reply.header('content-type', deps.metrics.registry.contentType);
      await refreshSourceGauges(deps.pool, deps.config.sources, deps.metrics, deps.clock()).catch(() => undefined);
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
