import { z } from 'zod';
import { notifyCoalesceKey, notifyWhenFull } from '../notify/queueing.ts';
import { NotifyEvent } from '../notify/events.ts';

/**
 * The job catalog: every job Medic runs on its queue, its payload schema, its retry settings and
 * what a full queue does with it. Payloads carry ids only; handlers re-read rows and are
 * idempotent, so a redelivery is harmless. New payload fields must be optional so that jobs
 * queued by an older version still parse.
 *
 * `whenFull` is `admit` for a job whose loss loses work (nothing else would analyse a stored
 * failure) or delays an action people wait on, and for jobs bounded by their own ids (one per
 * failed attempt, execution, agent run, job, schedule); `refuse` for a job that a later one
 * makes up for (the next interval; for `notify`, the subject's next event, so an event that may
 * start a message is admitted).
 */
export const jobCatalog = {
  /** A run attempt failed: give it a signature and open or join an incident. */
  'analyse-failure': {
    payload: z.object({
      runId: z.number().int().positive(),
      /** The failed attempt; the run's latest when absent. */
      attempt: z.number().int().positive().optional(),
    }),
    attempts: 5,
    backoffMs: 1_000,
    // The heal sweep finds a failure left unanalysed only within MEDIC_HEAL_MAX_AGE_MINUTES of it, and a
    // payload sent again is a duplicate that queues nothing.
    whenFull: 'admit',
  },
  /** A job completed while it had open incidents: resolve those that are over. */
  'settle-incidents': {
    payload: z.object({ jobId: z.number().int().positive() }),
    attempts: 5,
    backoffMs: 1_000,
    // Nothing else resolves the incidents until the job completes again; one per job (its job id).
    whenFull: 'admit',
  },
  /**
   * Carry out an approved (or ungated) action once: the handler claims the execution row, so a
   * redelivered or concurrently started job is a no-op. Transient failures back off here.
   */
  'execute-action': {
    payload: z.object({ executionId: z.number().int().positive() }),
    attempts: 8,
    backoffMs: 1_000,
    // The heal sweep would queue it again, but two sweeps late: an approved action is not held back for notices.
    whenFull: 'admit',
  },
  /**
   * Expire approvals whose time is up, re-queue executions no worker is on (their job lost with
   * Redis, or their worker dead), and judge or expire executions awaiting verification.
   */
  'heal-sweep': {
    payload: z.object({}),
    attempts: 1,
    backoffMs: 1_000,
    // The recovery: it must keep running when the queue is busiest, and its schedule's id keeps one waiting.
    whenFull: 'admit',
  },
  /** Forecast every service and raise, update or clear its SLA risk. */
  'forecast-sweep': {
    payload: z.object({}),
    attempts: 2,
    backoffMs: 5_000,
    // The next one is a minute away.
    whenFull: 'refuse',
  },
  /**
   * Drive an agent run: from its start, or on from its last checkpoint after a crash. The handler
   * claims the run, so a redelivered job finds it taken or finished and does nothing.
   */
  'agent-run': {
    payload: z.object({ agentRunId: z.number().int().positive() }),
    attempts: 3,
    backoffMs: 2_000,
    // The heal sweep would hand it back, but late; one per run (its job id).
    whenFull: 'admit',
  },
  /** An approval an agent asked for was decided (or lapsed): resume the run that waits on it. */
  'agent-resume': {
    payload: z.object({ approvalId: z.number().int().positive() }),
    attempts: 5,
    backoffMs: 1_000,
    // Someone decided and waits for the run to go on; one per approval (its job id).
    whenFull: 'admit',
  },
  /**
   * Pull a source (`MEDIC_SOURCES`) from its cursor up to now. The source's lease keeps one pass
   * at a time across replicas; a failed pass is not retried here: the next interval is the retry.
   */
  'source-sync': {
    payload: z.object({ source: z.string().min(1).max(200) }),
    attempts: 1,
    backoffMs: 1_000,
    // The next interval pulls from the same cursor.
    whenFull: 'refuse',
  },
  /**
   * Tell people (Slack): post or update the message of the event's subject and add its thread
   * replies. Slack outages and rate limits back off here (a `Retry-After` is waited out), so a
   * message is delayed, not lost: twelve retries span about an hour. An event whose subject has
   * a job that has not started is folded into it; a full queue refuses events that only update
   * a message (the subject's next event catches up), never one that may start it.
   */
  notify: {
    payload: NotifyEvent,
    attempts: 13,
    backoffMs: 1_000,
    whenFull: notifyWhenFull,
    coalesceKey: notifyCoalesceKey,
  },
} as const satisfies Record<string, JobSpec>;

export interface JobSpec {
  payload: z.ZodType;
  /** Tries before the job is given up. */
  attempts: number;
  /** First retry delay; doubles with each retry. */
  backoffMs: number;
  /**
   * What a full queue (`MEDIC_QUEUE_MAX_WAITING` jobs waiting) does with a new job of this kind:
   * `refuse` it (the enqueue answers `refused`), or `admit` it past the bound because losing it
   * would lose work; or a function of the payload that says which.
   */
  whenFull: WhenFull | ((payload: never) => WhenFull);
  /**
   * Jobs of this kind with the same key do the same work when they run: one that has not started
   * stands for a new one (the new one is `coalesced`). A job that started does not: an event
   * during its run gets a job of its own, run after it. Absent: no coalescing.
   */
  coalesceKey?: (payload: never) => string;
}

export type WhenFull = 'admit' | 'refuse';

export type JobName = keyof typeof jobCatalog;
export type JobPayload<N extends JobName> = z.infer<(typeof jobCatalog)[N]['payload']>;

export const jobNames = Object.keys(jobCatalog) as JobName[];

/** What a handler knows besides its payload. */
export interface JobContext {
  /** 1 on the first try. */
  attempt: number;
  jobId: string;
}

/** A queue job processor: one function per job name. Throw to retry (see `retryable`). */
export type JobHandlers = { [N in JobName]: (payload: JobPayload<N>, ctx: JobContext) => Promise<void> };

// The payloads below were parsed against the very spec whose functions they are given to.

/** The coalescing key of a parsed payload of `name`, if its kind coalesces. */
export function coalesceKeyOf<N extends JobName>(name: N, payload: JobPayload<N>): string | undefined {
  const spec: JobSpec = jobCatalog[name];
  return (spec.coalesceKey as ((p: JobPayload<N>) => string) | undefined)?.(payload);
}

/** What a full queue does with this parsed payload of `name`. */
export function whenFullOf<N extends JobName>(name: N, payload: JobPayload<N>): WhenFull {
  const spec: JobSpec = jobCatalog[name];
  return typeof spec.whenFull === 'string' ? spec.whenFull : (spec.whenFull as (p: JobPayload<N>) => WhenFull)(payload);
}

/** Parses a payload against the catalog; a malformed payload is a bug and is not retried. */
export function parsePayload<N extends JobName>(name: N, payload: unknown): JobPayload<N> {
  return jobCatalog[name].payload.parse(payload) as JobPayload<N>;
}
