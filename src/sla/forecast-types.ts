/** What a service-instance forecast takes and gives; apart from the forecaster so its parts can share them. */
import type { JobModel } from './model.ts';

/** Where one job of a service instance stands at the time of the forecast. */
export type JobState =
  | { kind: 'done'; endedAt: Date }
  | { kind: 'running'; startedAt: Date }
  /** Its latest attempt failed at `endedAt`; a retry (by the orchestrator or a person) is expected. */
  | { kind: 'failed'; endedAt: Date }
  | { kind: 'pending' };

export interface ForecastInput {
  /** Jobs with the jobs they wait for; any order. */
  jobs: { job: string; after: string[] }[];
  states: ReadonlyMap<string, JobState>;
  models: ReadonlyMap<string, JobModel>;
  /** When the instance started: pending jobs without upstream start then at the earliest. */
  start: Date;
  now: Date;
  deadline: Date;
  /** @defaultValue 10 000 */
  samples?: number;
  /** Same seed, same forecast. @defaultValue 1 */
  seed?: number;
  /** P(breach) at which people must act, for the time to act. @defaultValue 0.3 */
  threshold?: number;
  /** Search the time to act (16 more simulations of up to 2,000 samples). @defaultValue true */
  withTimeToAct?: boolean;
}

export interface Forecast {
  pBreach: number;
  eta: { p50: Date; p90: Date };
  /** Finish-time quantiles p10, p20 … p90, p99: the fan of the ETA distribution. */
  fan: { q: number; at: Date }[];
  /** Deadline minus the p90 ETA; negative when the p90 is late. */
  slackMs: number;
  /** The path most often critical, upstream first. */
  criticalPath: string[];
  /** Share of samples in which each job is on the critical path, highest first. */
  criticality: { job: string; share: number }[];
  /** The latest time the most critical unfinished job can finish before P(breach) crosses the threshold. */
  timeToAct: { job: string; latest: Date | null } | null;
  samples: number;
}
