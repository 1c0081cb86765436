import type { JobHandlers, JobName, JobPayload } from './catalog.ts';

export interface EnqueueOptions {
  /** Deduplicates: a job with the same id that is still waiting or running is not added again. */
  jobId?: string;
  /** Run no earlier than this many milliseconds from now. @defaultValue 0 */
  delayMs?: number;
}

/**
 * What became of an enqueued job. Only the in-process queue tells the last three apart: BullMQ
 * answers `queued` with the id of the job that stands (Redis deduplicates and coalesces there).
 */
export type Enqueued =
  | { kind: 'queued'; jobId: string }
  /** A job with the same `jobId` waits or runs already. */
  | { kind: 'duplicate'; jobId: string }
  /** Folded into a job of the same subject that has not started yet (the catalog's `coalesceKey`): that job does this one's work. */
  | { kind: 'coalesced'; jobId: string }
  /** The queue was full and the catalog says this kind may be refused (`whenFull`); nothing was queued. */
  | { kind: 'refused'; waiting: number };

/** The queue port: BullMQ on Redis, or the in-process runner when no Redis is configured. */
export interface JobQueue {
  readonly kind: 'bullmq' | 'in-process';
  /** Queues a job; a full queue refuses the kinds that may be refused, as a value, and throws only when broken or closed. */
  enqueue<N extends JobName>(name: N, payload: JobPayload<N>, options?: EnqueueOptions): Promise<Enqueued>;
  /**
   * Runs `name` every `everyMs` until closed; one schedule per name (and `key`, for a job
   * scheduled once per thing, such as a source) however many processes ask.
   */
  every<N extends JobName>(name: N, payload: JobPayload<N>, everyMs: number, key?: string): Promise<void>;
  /** Starts processing jobs with these handlers. */
  startWorkers(handlers: JobHandlers, options: { concurrency: number; onFailed?: FailureListener }): void;
  /** Resolves when nothing is waiting, delayed or running (tests, `medic ingest`). */
  drain(timeoutMs?: number): Promise<void>;
  /** Throws when the queue's backend does not answer (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type FailureListener = (event: { name: JobName; jobId: string; attempt: number; error: unknown; final: boolean }) => void;
