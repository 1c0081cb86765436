import { coalesceKeyOf, jobCatalog, parsePayload, whenFullOf, type JobHandlers, type JobName } from './catalog.ts';
import type { Enqueued, EnqueueOptions, FailureListener, JobQueue } from './queue.ts';
import { retryable, retryDelayMs } from './retry.ts';

interface Pending {
  id: string;
  name: JobName;
  payload: unknown;
  attempt: number;
  /** Set until its first run starts: while it is, it stands for new jobs with the same key. */
  coalesceKey?: string;
  timer?: NodeJS.Timeout;
}

/** What the in-process queue tells about its load, for metrics and logs (`src/queue/observer.ts`). */
export interface QueueObserver {
  /** The number of waiting jobs (ready, delayed or backing off; not running) changed. */
  waiting(count: number): void;
  /** A job was folded into a waiting one with the same key. */
  coalesced(name: JobName): void;
  /** A job was refused because the queue was full. */
  refused(name: JobName): void;
  /** The queue reached its bound: from now on the kinds that may be refused are. */
  full(waiting: number, maxWaiting: number): void;
  /** It fell back to 90 % of its bound, having refused `refused` jobs since it was full. */
  room(waiting: number, refused: number): void;
}

export interface InProcessQueueOptions {
  /**
   * Waiting jobs past which a new job of a kind the catalog lets refuse (`whenFull`) is refused
   * (`MEDIC_QUEUE_MAX_WAITING`). Kinds that must not be lost are admitted past it. @defaultValue 10 000
   */
  maxWaiting?: number;
  observer?: Partial<QueueObserver>;
}

/**
 * The queue without Redis: same interface, same catalog retry settings, jobs kept in memory.
 * Jobs waiting when the process stops are lost; that is why production runs BullMQ. What waits
 * is bounded: jobs of a subject that has one waiting already are folded into it, and past
 * `maxWaiting` the kinds that a later job makes up for are refused.
 */
export function createInProcessQueue(options: InProcessQueueOptions = {}): JobQueue {
  const maxWaiting = options.maxWaiting ?? 10_000;
  const observer = options.observer ?? {};
  const known = new Map<string, Pending>();
  const unstarted = new Map<string, Pending>();
  const ready: Pending[] = [];
  const repeaters: NodeJS.Timeout[] = [];
  let handlers: JobHandlers | undefined;
  let onFailed: FailureListener | undefined;
  let concurrency = 1;
  let running = 0;
  let closed = false;
  let seq = 0;
  let idleWaiters: (() => void)[] = [];
  const load = { reported: 0, full: false, refused: 0 };

  const waiting = () => known.size - running;

  /** Tells the observer what changed; the full/room pair has a gap so a queue at its bound does not flap. */
  const report = () => {
    const n = waiting();
    if (n !== load.reported) {
      load.reported = n;
      observer.waiting?.(n);
    }
    if (!load.full && n >= maxWaiting) {
      Object.assign(load, { full: true, refused: 0 });
      observer.full?.(n, maxWaiting);
    } else if (load.full && n <= Math.floor(maxWaiting * 0.9)) {
      load.full = false;
      observer.room?.(n, load.refused);
    }
  };

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
    // Started: it may have rendered already, so what happens from now on needs a job of its own.
    if (job.coalesceKey !== undefined) unstarted.delete(job.coalesceKey);
    delete job.coalesceKey;
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
      report();
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
    report();
  }

  return {
    kind: 'in-process',
    async ping() {
      if (closed) throw new Error('queue is closed');
    },
    async enqueue(name, payload, opts: EnqueueOptions = {}): Promise<Enqueued> {
      if (closed) throw new Error('queue is closed');
      const parsed = parsePayload(name, payload);
      const id = opts.jobId ?? `${name}:${++seq}`;
      if (known.has(id)) return { kind: 'duplicate', jobId: id };
      const key = coalesceKeyOf(name, parsed);
      const slot = key === undefined ? undefined : `${name}:${key}`;
      const standing = slot === undefined ? undefined : unstarted.get(slot);
      if (standing) {
        observer.coalesced?.(name);
        return { kind: 'coalesced', jobId: standing.id };
      }
      if (waiting() >= maxWaiting && whenFullOf(name, parsed) === 'refuse') {
        load.refused += 1;
        observer.refused?.(name);
        return { kind: 'refused', waiting: waiting() };
      }
      const job: Pending = { id, name, payload: parsed, attempt: 1 };
      if (slot !== undefined) {
        job.coalesceKey = slot;
        unstarted.set(slot, job);
      }
      known.set(id, job);
      schedule(job, opts.delayMs ?? 0);
      report();
      return { kind: 'queued', jobId: id };
    },
    async every(name, payload, everyMs, key) {
      const timer = setInterval(() => {
        void this.enqueue(name, payload, { jobId: key === undefined ? `every:${name}` : `every:${name}:${key}` });
      }, everyMs);
      timer.unref();
      repeaters.push(timer);
    },
    startWorkers(h, o) {
      handlers = h;
      concurrency = o.concurrency;
      onFailed = o.onFailed;
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
      unstarted.clear();
      ready.length = 0;
      report();
      settleIdle();
    },
  };
}
