import { z } from 'zod';
import { NotifyEvent } from '../notify/events.ts';

/**
 * The job catalog: every job Medic runs on its queue, its payload schema and its retry settings.
 * Payloads carry ids only; handlers re-read rows and are idempotent, so a redelivery is harmless.
 * New payload fields must be optional so that jobs queued by an older version still parse.
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
  },
  /** A job completed while it had open incidents: resolve those that are over. */
  'settle-incidents': {
    payload: z.object({ jobId: z.number().int().positive() }),
    attempts: 5,
    backoffMs: 1_000,
  },
  /**
   * Carry out an approved (or ungated) action once: the handler claims the execution row, so a
   * redelivered or concurrently started job is a no-op. Transient failures back off here.
   */
  'execute-action': {
    payload: z.object({ executionId: z.number().int().positive() }),
    attempts: 8,
    backoffMs: 1_000,
  },
  /**
   * Expire approvals whose time is up, re-queue executions no worker is on (their job lost with
   * Redis, or their worker dead), and judge or expire executions awaiting verification.
   */
  'heal-sweep': {
    payload: z.object({}),
    attempts: 1,
    backoffMs: 1_000,
  },
  /** Forecast every service and raise, update or clear its SLA risk. */
  'forecast-sweep': {
    payload: z.object({}),
    attempts: 2,
    backoffMs: 5_000,
  },
  /**
   * Drive an agent run: from its start, or on from its last checkpoint after a crash. The handler
   * claims the run, so a redelivered job finds it taken or finished and does nothing.
   */
  'agent-run': {
    payload: z.object({ agentRunId: z.number().int().positive() }),
    attempts: 3,
    backoffMs: 2_000,
  },
  /** An approval an agent asked for was decided (or lapsed): resume the run that waits on it. */
  'agent-resume': {
    payload: z.object({ approvalId: z.number().int().positive() }),
    attempts: 5,
    backoffMs: 1_000,
  },
  /**
   * Pull a source (`MEDIC_SOURCES`) from its cursor up to now. The source's lease keeps one pass
   * at a time across replicas; a failed pass is not retried here: the next interval is the retry.
   */
  'source-sync': {
    payload: z.object({ source: z.string().min(1).max(200) }),
    attempts: 1,
    backoffMs: 1_000,
  },
  /**
   * Tell people (Slack): post or update the message of the event's subject and add its thread
   * replies. Slack outages and rate limits back off here (a `Retry-After` is waited out), so a
   * message is delayed, not lost: twelve retries span about an hour.
   */
  notify: {
    payload: NotifyEvent,
    attempts: 13,
    backoffMs: 1_000,
  },
} as const satisfies Record<string, JobSpec>;

export interface JobSpec {
  payload: z.ZodType;
  /** Tries before the job is given up. */
  attempts: number;
  /** First retry delay; doubles with each retry. */
  backoffMs: number;
}

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

/** Parses a payload against the catalog; a malformed payload is a bug and is not retried. */
export function parsePayload<N extends JobName>(name: N, payload: unknown): JobPayload<N> {
  return jobCatalog[name].payload.parse(payload) as JobPayload<N>;
}
