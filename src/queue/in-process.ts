import { jobCatalog, parsePayload, type JobHandlers, type JobName } from './catalog.ts';
import type { EnqueueOptions, FailureListener, JobQueue } from './queue.ts';
import { retryable, retryDelayMs } from './retry.ts';

interface Pending {
  id: string;
  name: JobName;
  payload: unknown;
  attempt: number;
  timer?: NodeJS.Timeout;
}

/**
 * The queue without Redis: same interface, same catalog retry settings, jobs kept in memory.
 * Jobs waiting when the process stops are lost; that is why production runs BullMQ.
 */
export function createInProcessQueue(): JobQueue {
  const known = new Map<string, Pending>();
  const ready: Pending[] = [];
  const repeaters: NodeJS.Timeout[] = [];
  let handlers: JobHandlers | undefined;
  let onFailed: FailureListener | undefined;
  let concurrency = 1;
  let running = 0;
  let closed = false;
  let seq = 0;
  let idleWaiters: (() => void)[] = [];

  const settleIdle = () => {
    if (known.size > 0) return;
    for (const resolve of idleWaiters) resolve();
    idleWaiters = [];
  };

  const schedule = (job: Pending, delayMs: number) => {
    if (delayMs <= 0) {
      ready.push(job);
      setImmediate(pump);
      return;
    }
    job.timer = setTimeout(() => {
      delete job.timer;
      ready.push(job);
      pump();
    }, delayMs);
  };

  const run = async (job: Pending) => {
    running += 1;
    try {
      if (!handlers) throw new Error('no handlers');
      const handler = handlers[job.name] as (p: unknown, c: { attempt: number; jobId: string }) => Promise<void>;
      await handler(parsePayload(job.name, job.payload), { attempt: job.attempt, jobId: job.id });
      known.delete(job.id);
    } catch (error) {
      const spec = jobCatalog[job.name];
      const final = closed || !retryable(error) || job.attempt >= spec.attempts;
      onFailed?.({ name: job.name, jobId: job.id, attempt: job.attempt, error, final });
      if (final) known.delete(job.id);
      else {
        const delayMs = retryDelayMs(error, job.attempt, spec.backoffMs);
        job.attempt += 1;
        schedule(job, delayMs);
      }
    } finally {
      running -= 1;
      settleIdle();
      pump();
    }
  };

  function pump(): void {
    if (!handlers || closed) return;
    while (running < concurrency && ready.length > 0) {
      const job = ready.shift();
      if (job) void run(job);
    }
  }

  return {
    kind: 'in-process',
    async ping() {
      if (closed) throw new Error('queue is closed');
    },
    async enqueue(name, payload, options: EnqueueOptions = {}) {
      if (closed) throw new Error('queue is closed');
      const id = options.jobId ?? `${name}:${++seq}`;
      if (known.has(id)) return;
      const job: Pending = { id, name, payload: parsePayload(name, payload), attempt: 1 };
      known.set(id, job);
      schedule(job, options.delayMs ?? 0);
    },
    async every(name, payload, everyMs, key) {
      const timer = setInterval(() => {
        void this.enqueue(name, payload, { jobId: key === undefined ? `every:${name}` : `every:${name}:${key}` });
      }, everyMs);
      timer.unref();
      repeaters.push(timer);
    },
    startWorkers(h, options) {
      handlers = h;
      concurrency = options.concurrency;
      onFailed = options.onFailed;
      pump();
    },
    drain(timeoutMs = 30_000) {
      if (known.size === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`queue not drained after ${timeoutMs} ms`)), timeoutMs);
        idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    async close() {
      closed = true;
      for (const t of repeaters) clearInterval(t);
      for (const job of known.values()) if (job.timer) clearTimeout(job.timer);
      while (running > 0) await new Promise((r) => setTimeout(r, 10));
      known.clear();
      ready.length = 0;
      settleIdle();
    },
  };
}
