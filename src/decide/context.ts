import type { BudgetAsk } from './guard-memory.ts';
/**
 * What Medic knows around one decision input, gathered before the (pure) policy evaluation: the
 * failure's signature and its history, the services the job belongs to with their latest
 * forecasts, and the counters the guardrails read.
 */
import type { Fix, SimilarIncident } from '../incidents/evidence.ts';
import type { PreflightInput } from './schema.ts';

/** A service the job belongs to, with its latest forecast when the sweep has made one. */
export interface ServiceContext {
  name: string;
  title: string | null;
  criticality: string;
  forecast: {
    at: Date;
    instanceKey: string;
    deadline: Date;
    pBreach: number;
    slackMs: number;
    etaP50: Date;
    /** When this job was expected to end in that forecast; null when it was not one of its jobs. */
    jobEnd: Date | null;
    /** The services downstream, with their deadlines and how long they take after this one. */
    downstream: { service: string; deadline: Date | null; medianLagMs: number | null }[];
  } | null;
}

export interface SignatureContext {
  /** The stored signature's id, or null for a failure Medic has not seen before. */
  id: number | null;
  fingerprint: string;
  template: string;
  exceptionType: string | null;
  known: boolean;
}

export interface FailureContext {
  kind: 'failure';
  now: Date;
  signature: SignatureContext;
  /** The highest similarity of the failure to each named incident class. */
  classes: Record<string, number>;
  similar: SimilarIncident[];
  /** What fixed failures of this signature (and near-identical ones), per action. */
  fixes: Fix[];
  services: ServiceContext[];
  /** Failures of this signature, newest first, within the longest breaker window (ms since the epoch). */
  recentFailures: number[];
  /** Decisions already taken per budgeted policy, within its budget's window and key. */
  budgetUsed: Record<string, number>;
  /** The job's median successful run time, for what a retry costs. */
  jobMedianMs: number | null;
  /** How old the facts held in memory were, in ms (the oldest of them); null when all were read from the store. */
  factsAgeMs?: number | null;
  /** The budgets the matched policies count, so that a spend can be made once the winner is known. */
  budgets?: BudgetAsk[];
}

/** One thing Medic checked before a job starts. */
export type PreflightCheck =
  | {
    kind: 'input';
    dataset: string;
    verdict: 'ok' | 'short' | 'unknown';
    rowCount: number | null;
    /** The median of the dataset's recent sizes, and the robust z-score of this one. */
    median: number | null;
    z: number | null;
    history: number;
    detail: string;
  }
  | { kind: 'upstream'; job: string; verdict: 'ok' | 'failed' | 'running' | 'stale'; detail: string };

export interface PreflightContext {
  kind: 'preflight';
  now: Date;
  services: ServiceContext[];
  checks: PreflightCheck[];
  budgetUsed: Record<string, number>;
  factsAgeMs?: number | null;
  budgets?: BudgetAsk[];
}

export type DecisionContext = FailureContext | PreflightContext;

/** Finds the input and upstream checks of a preflight. */
export type PreflightChecks = (input: PreflightInput, now: Date) => Promise<{ checks: PreflightCheck[]; /** When the store was read (epoch ms). */ loadedAt: number }>;
