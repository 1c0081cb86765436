import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { coalesceKeyOf, jobCatalog, parsePayload, type JobHandlers, type JobName } from './catalog.ts';
import type { Enqueued, EnqueueOptions, JobQueue } from './queue.ts';
import { retryable, retryDelayMs } from './retry.ts';

export interface BullQueueOptions {
  redisUrl: string;
  /** Queue name in Redis; tests use their own to stay apart. @defaultValue `medic` */
  name?: string;
  /** Key prefix in Redis. @defaultValue `medic` */
  prefix?: string;
}

/** The backoff type of Medic's jobs; jobs queued before it existed keep BullMQ's built-in `exponential`. */
const MEDIC_BACKOFF = 'medic';

function isJobName(name: string): name is JobName {
  return Object.hasOwn(jobCatalog, name);
}

/**
 * The queue on Redis through BullMQ: jobs survive restarts and workers scale by process.
 *
 * It needs no bound of its own (`MEDIC_QUEUE_MAX_WAITING` is the in-process queue's): `add` hands
 * the job to Redis and keeps nothing, and a worker takes a job only when one of its `concurrency`
 * slots is free, so however many jobs wait behind a slow Slack, this process holds `concurrency`
 * of them. In Redis, waiting `notify` jobs are coalesced as in the in-process queue (BullMQ's
 * deduplication, `keepLastIfActive`: one waiting job per key, and an event while that job runs is
 * kept and queued when it ends, so it still runs after), most other kinds carry job ids that keep
 * one per thing, and finished jobs are trimmed. One difference: a `notify` job backing off between tries keeps
 * its deduplication key, so an event then is folded into its next try, which renders it.
 * While Redis is unreachable an enqueue fails at once (the producer keeps no offline queue) rather
 * than waiting, in memory, for as long as the outage lasts: PostgreSQL holds what every job reads,
 * and the heal sweep queues again what was stored without its job.
 */
export function createBullQueue(options: BullQueueOptions): JobQueue {
  const queueName = options.name ?? 'medic';
  const prefix = options.prefix ?? 'medic';
  // Workers block on Redis; BullMQ needs maxRetriesPerRequest null so a slow Redis is waited for.
  const connection = { url: options.redisUrl, maxRetriesPerRequest: null };
  // The producer fails fast instead: a command sent while disconnected is refused, and one cut off
  // by a disconnection is given up after one reconnection.
  const queue = new Queue(queueName, { connection: { url: options.redisUrl, enableOfflineQueue: false, maxRetriesPerRequest: 1 }, prefix });
  queue.on('error', () => {
    // Redis went away (a restart): ioredis reconnects, and an enqueue meanwhile rejects its caller.
  });
  const workers: Worker[] = [];

  return {
    kind: 'bullmq',
    async ping() {
      // A real round trip: a count answered by Redis, not a cached connection state.
      await queue.getJobCounts('waiting');
    },
    async enqueue(name, payload, opts: EnqueueOptions = {}): Promise<Enqueued> {
      const spec = jobCatalog[name];
      const data = parsePayload(name, payload);
      const key = coalesceKeyOf(name, data);
      const job = await queue.add(name, data, {
        ...(opts.jobId === undefined ? {} : { jobId: opts.jobId.replaceAll(':', '-') }),
        ...(key === undefined ? {} : { deduplication: { id: `${name}:${key}`, keepLastIfActive: true } }),
        ...(opts.delayMs ? { delay: opts.delayMs } : {}),
        attempts: spec.attempts,
        // Medic's own strategy (the worker's `backoffStrategy`): the catalog's exponential backoff, or a failure's `Retry-After`.
        backoff: { type: MEDIC_BACKOFF, delay: spec.backoffMs },
        removeOnComplete: { age: 3_600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3_600 },
      });
      return { kind: 'queued', jobId: job.id ?? '' };
    },
    async every(name, payload, everyMs, key) {
      await queue.upsertJobScheduler(key === undefined ? `every-${name}` : `every-${name}:${key}`, { every: everyMs }, { name, data: parsePayload(name, payload) });
    },
    startWorkers(handlers: JobHandlers, opts) {
      const worker = new Worker(
        queueName,
        async (job: Job) => {
          if (!isJobName(job.name)) throw new UnrecoverableError(`unknown job ${job.name}`);
          const handler = handlers[job.name] as (p: unknown, c: { attempt: number; jobId: string }) => Promise<void>;
          try {
            await handler(parsePayload(job.name, job.data), { attempt: job.attemptsMade + 1, jobId: job.id ?? '' });
          } catch (error) {
            if (!retryable(error)) throw new UnrecoverableError(error instanceof Error ? error.message : String(error));
            throw error;
          }
        },
        {
          connection, prefix, concurrency: opts.concurrency,
          settings: { backoffStrategy: (attemptsMade, _type, err, job) => retryDelayMs(err, attemptsMade, job && isJobName(job.name) ? jobCatalog[job.name].backoffMs : 1_000) },
        },
      );
      worker.on('failed', (job, error) => {
        if (!job || !isJobName(job.name)) return;
        const final = error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
        opts.onFailed?.({ name: job.name, jobId: job.id ?? '', attempt: job.attemptsMade, error, final });
      });
      worker.on('error', () => {
        // Connection errors are retried by the worker itself; they surface through readiness.
      });
      workers.push(worker);
    },
    async drain(timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        // The next run of a schedule (`every`) is always delayed: it does not count as work left.
        // Delayed jobs are read before and after the counts, so a job moving between the delayed
        // set and the others (due, or failed and backing off) is seen on one side or the other.
        const pending = async () => (await queue.getDelayed()).filter((j) => !j.id?.startsWith('repeat:')).length;
        const before = await pending();
        const counts = await queue.getJobCounts('waiting', 'active', 'prioritized', 'waiting-children');
        const after = await pending();
        if (Object.values(counts).every((n) => n === 0) && before === 0 && after === 0) return;
        if (Date.now() > until) throw new Error(`queue not drained after ${timeoutMs} ms: ${JSON.stringify(counts)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await queue.close();
    },
  };
}
