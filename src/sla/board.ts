/**
 * What the SLA board and the service page show, as plain data: the detail of a service's latest
 * forecast, and how the service's past instances ended. Pure; `board-sql.ts` reads the store.
 */
import { z } from 'zod';
import { deadlineFor } from './deadline.ts';
import type { DownstreamImpact } from './downstream.ts';
import type { Forecast, JobState } from './forecast-types.ts';
import type { RunRow } from './instance-sql.ts';
import { pastInstances } from './past-instances.ts';
import type { Deadline } from './schema.ts';
import type { ServiceForecast } from './service-forecast-type.ts';

/**
 * What the board shows of a service's latest forecast beyond P(breach), slack, ETA p50 and the
 * deadline (`service_forecasts.detail`).
 */
export interface ForecastDetail {
  /** When the instance started. */
  start: Date;
  /** Finish-time quantiles p10, p20 … p90, p99: the fan of the ETA distribution. */
  fan: Forecast['fan'];
  /** The path most often critical, upstream first. */
  criticalPath: string[];
  /** The most critical jobs (at most `DETAIL_CRITICAL_JOBS`), highest share first, with where each stood. */
  criticality: { job: string; share: number; state: JobState['kind'] }[];
  timeToAct: Forecast['timeToAct'];
  atRisk: boolean;
  /** One sentence a person can act on. */
  summary: string;
  /** Services that miss their deadlines when this one is late. */
  downstream: string[];
  /** Every downstream service with its deadline and its chance to miss it. */
  impact: DownstreamImpact[];
}

/** How many of the most critical jobs the detail keeps. @defaultValue 5 */
export const DETAIL_CRITICAL_JOBS = 5;

/** The detail of a forecast, as `saveForecast` stores it. */
export function detailOf(f: ServiceForecast): ForecastDetail {
  const states = new Map(f.jobs.map((j) => [j.job, j.state]));
  return {
    start: f.instance.start,
    fan: f.forecast.fan,
    criticalPath: f.forecast.criticalPath,
    criticality: f.forecast.criticality.slice(0, DETAIL_CRITICAL_JOBS)
      .map((c) => ({ job: c.job, share: c.share, state: states.get(c.job) ?? 'pending' })),
    timeToAct: f.forecast.timeToAct,
    atRisk: f.atRisk,
    summary: f.summary,
    downstream: f.downstream,
    impact: f.impact,
  };
}

const time = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

// The stored detail is JSON (dates as ISO strings); this turns it back into a `ForecastDetail`.
const StoredDetail = z.object({
  start: time,
  fan: z.array(z.object({ q: z.number(), at: time })),
  criticalPath: z.array(z.string()),
  criticality: z.array(z.object({ job: z.string(), share: z.number(), state: z.enum(['done', 'running', 'failed', 'pending']) })),
  timeToAct: z.object({ job: z.string(), latest: time.nullable() }).nullable(),
  atRisk: z.boolean(),
  summary: z.string(),
  downstream: z.array(z.string()),
  impact: z.array(z.object({
    service: z.string(), via: z.string(), deadline: time.nullable(), pMiss: z.number().nullable(), atRisk: z.boolean(),
    medianLagMs: z.number().nullable(), basis: z.enum(['history', 'own-clock', 'unknown']),
  })),
});

/**
 * Reads a stored detail back; null when there is none (a forecast saved before migration 013) or
 * when it is not one this version can read, so that an old row shows without its detail.
 */
export function readDetail(stored: unknown): ForecastDetail | null {
  if (stored === null || stored === undefined) return null;
  const parsed = StoredDetail.safeParse(stored);
  return parsed.success ? parsed.data : null;
}

/**
 * How a past instance ended as of the moment looked from: `on-time` and `late` finished (before or
 * after the deadline), `missed` had not finished by the deadline and has not yet, `open` has not
 * finished and its deadline is still ahead.
 */
export type InstanceOutcome = 'on-time' | 'late' | 'missed' | 'open';

/** One past instance of a service, for the service page's history. */
export interface InstanceRecord {
  /** The root run's key: a schedule slot or a submission. */
  key: string;
  start: Date;
  /** When its last job ended; null when some job had not completed (by the moment looked from). */
  finish: Date | null;
  deadline: Date;
  /** Finish minus deadline in ms (negative: early); null when unfinished. */
  latenessMs: number | null;
  outcome: InstanceOutcome;
}

/**
 * The instances `runs` make up for a service of `jobs` with `deadline`, oldest first, as they stood
 * at `at`: a run that ended after `at` had not ended then, as in a replay.
 */
export function instanceRecords(jobs: { job: string; after: string[] }[], deadline: Deadline, runs: RunRow[], at: Date): InstanceRecord[] {
  return pastInstances(jobs, runs)
    .map((inst) => {
      const start = new Date(inst.start);
      const due = deadlineFor(deadline, start);
      const ends = jobs.map((j) => {
        const r = inst.runs.get(j.job);
        return r && r.state === 'completed' && r.ended_at && r.ended_at <= at ? r.ended_at.getTime() : null;
      });
      const finish = ends.length > 0 && ends.every((e) => e !== null) ? new Date(Math.max(...(ends as number[]))) : null;
      const latenessMs = finish ? finish.getTime() - due.getTime() : null;
      return { key: inst.key, start, finish, deadline: due, latenessMs, outcome: outcomeOf(latenessMs, due, at) };
    })
    .sort((a, b) => a.start.getTime() - b.start.getTime());
}

function outcomeOf(latenessMs: number | null, deadline: Date, at: Date): InstanceOutcome {
  if (latenessMs !== null) return latenessMs > 0 ? 'late' : 'on-time';
  return deadline <= at ? 'missed' : 'open';
}
