/**
 * The history a policy diff replays: stored failures in the order they failed, what Medic knew
 * besides them, and what happened after each — read from the store, or from an exported file
 * (`medic export history`), so that CI needs no production database.
 */
import type { Queryable } from '../db/pool.ts';
import { historySince, type BacktestHistory } from './backtest.ts';
import type { StoredFailure } from './backtest-sql.ts';
import { nextAttempts, reportedJobList, slaMissed } from './history-sql.ts';

/** What happened after a failed attempt, beside how its incident ended. */
export interface Aftermath {
  /** How the run's next attempt ended as stored (`completed`, `failed` …); null when none came. */
  next_attempt: string | null;
  /** A service the job belongs to finished after its deadline (or never) in this run's instance; null when unknown. */
  sla_missed: boolean | null;
}

export interface ReplayHistory {
  /** Where it came from, for the report: `store`, or the file's path. */
  origin: string;
  /** The stretch of time it covers: failures at or after `from`, read at `until`. */
  from: Date;
  until: Date;
  /** In the order they failed. */
  failures: StoredFailure[];
  history: BacktestHistory;
  /** By `caseKey`. */
  after: ReadonlyMap<string, Aftermath>;
  /** Names, hosts and addresses were replaced by keyed hashes (`medic export history --anonymise`). */
  anonymised: boolean;
  /** The embedder that made the signatures' vectors, when known. */
  embedder: string | null;
  /**
   * Every job sources had reported by `until` (`namespace/name`), failed or not; null for an
   * export from before they were written (format 1).
   */
  jobs: readonly string[] | null;
  /** Job and namespace names, in `failures` and `jobs`, are keyed hashes (anonymised without keeping names). */
  jobNamesAnonymised: boolean;
}

/** A failed attempt's key: its run and attempt. */
export const caseKey = (f: Pick<StoredFailure, 'run_id' | 'attempt'>): string => `${f.run_id}:${f.attempt}`;

/** What happened after a failure, or nothing known. */
export const aftermathOf = (h: ReplayHistory, f: StoredFailure): Aftermath => h.after.get(caseKey(f)) ?? { next_attempt: null, sla_missed: null };

/** The failures stored since `from`, with their history and aftermath, as the store holds them at `until`. */
export async function loadHistory(db: Queryable, from: Date, until: Date, embedder: string | null): Promise<ReplayHistory> {
  const { failures, history } = await historySince(db, from);
  const next = await nextAttempts(db, failures);
  const missed = await slaMissed(db, failures, until);
  const after = new Map(failures.map((f) => [caseKey(f), { next_attempt: next.get(caseKey(f)) ?? null, sla_missed: missed.get(caseKey(f)) ?? null }]));
  return { origin: 'store', from, until, failures, history, after, anonymised: false, jobNamesAnonymised: false, embedder, jobs: await reportedJobList(db) };
}
