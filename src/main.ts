import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import type { JobHandlers } from './queue/catalog.ts';
import { openRuntime, type Runtime } from './runtime.ts';
import { scheduleSources, syncSourcesNow } from './sources/jobs.ts';

/**
 * The composition root: `medic serve` and `medic worker` start here. Everything is built from
 * the config once, started, and released in reverse order on SIGINT/SIGTERM.
 */
export async function serve(config: Config, options: { workers: boolean }): Promise<void> {
  // The server's modules load while the store opens.
  const [runtime, { buildApp }, { buildHandlers }] = await Promise.all([openRuntime(config), import('./http/app.ts'), import('./handlers.ts')]);
  const { deps } = runtime;
  let app: FastifyInstance | undefined;
  let stopWorkers = () => undefined as void;
  try {
    if (options.workers) stopWorkers = startWorkers(runtime, buildHandlers(deps));
    // The guardrails' window loads before the first decision; if the store is slow now, the first decision loads it.
    await deps.guard.ready().catch((err: unknown) => deps.log.warn({ err }, 'guardrail counters not loaded yet'));
    app = await buildApp(deps);
    await app.listen({ host: config.host, port: config.port });
    void warm(runtime);
  } catch (err) {
    await app?.close();
    await runtime.close();
    throw err;
  }
  if (config.loopbackOnly) {
    deps.log.warn(
      'no API token is configured (MEDIC_ADMIN_TOKEN or MEDIC_TOKENS): listening on loopback only, unauthenticated',
    );
  }
  deps.log.info({ store: deps.store, queue: deps.queue.kind, docs: `/docs` }, 'medic is serving');
  onSignal(async () => {
    stopWorkers();
    await app?.close();
    await runtime.close();
  }, deps.log);
}

/** Fills the decision caches in the background; the server answers meanwhile. */
async function warm(runtime: Runtime): Promise<void> {
  const { deps } = runtime;
  if (deps.config.decideWarmSignatures === 0) return;
  try {
    const { warmDecisions } = await import('./decide/warm.ts');
    const r = await warmDecisions(deps, { signatures: deps.config.decideWarmSignatures });
    (r.failed ? deps.log.warn.bind(deps.log) : deps.log.info.bind(deps.log))({ signatures: r.signatures, jobs: r.jobs, failed: r.failed, ms: Math.round(r.ms) }, 'decision caches warmed');
  } catch (err) {
    deps.log.warn({ err }, 'decision caches not warmed: decisions load what they need');
  } finally {
    deps.metrics.decideWarm.set(1);
  }
}

/** `medic worker`: queue workers only, scaled by running more of them next to Redis. */
export async function work(config: Config): Promise<void> {
  if (!config.redisUrl || !config.databaseUrl) {
    throw new Error(
      'medic worker needs REDIS_URL and DATABASE_URL: without them the queue and the store live inside `medic serve`',
    );
  }
  const [runtime, { buildHandlers }] = await Promise.all([openRuntime(config), import('./handlers.ts')]);
  const stopWorkers = startWorkers(runtime, buildHandlers(runtime.deps));
  runtime.deps.log.info({ concurrency: config.queueConcurrency }, 'medic worker is running');
  onSignal(async () => {
    stopWorkers();
    await runtime.close();
  }, runtime.deps.log);
}

/** How often every service is forecast. @defaultValue one minute */
const SWEEP_EVERY_MS = 60_000;

/** Starts the queue workers and their schedules; returns what stops the schedules. */
function startWorkers(runtime: Runtime, handlers: JobHandlers): () => void {
  const { deps } = runtime;
  const stops: (() => void)[] = [];
  const schedule = () => Promise.all([
    deps.queue.every('forecast-sweep', {}, SWEEP_EVERY_MS),
    deps.queue.every('heal-sweep', {}, deps.config.healSweepMs),
    scheduleSources(deps),
  ]).catch((err: unknown) => deps.log.warn({ err }, 'schedules not registered'));
  void schedule();
  void syncSourcesNow(deps).catch((err: unknown) => deps.log.warn({ err }, 'first source syncs not queued'));
  if (deps.queue.kind === 'bullmq') {
    // A Redis restarted without persistence forgets its schedules: each worker asserts them again.
    const timer = setInterval(() => void schedule(), Math.max(deps.config.healSweepMs, 1_000));
    timer.unref();
    stops.push(() => clearInterval(timer));
  }
  deps.queue.startWorkers(handlers, {
    concurrency: deps.config.queueConcurrency,
    onFailed: (f) => {
      deps.metrics.jobFailures.labels(f.name, String(f.final)).inc();
      deps.log.warn({ job: f.name, jobId: f.jobId, attempt: f.attempt, final: f.final, err: f.error }, 'job failed');
    },
  });
  return () => stops.forEach((stop) => stop());
}

function onSignal(stop: () => Promise<void>, log: { info: (msg: string) => void }): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping`);
    stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}
