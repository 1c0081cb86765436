import type { JobModel } from './model.ts';
import { plan, prepare, simulate, type Plan, type Prepared } from './simulate.ts';

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

function quantileOf(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

function breachShare(finish: Float64Array, deadline: number): number {
  let late = 0;
  for (const f of finish) if (f > deadline) late++;
  return late / finish.length;
}

/** Forecasts the instance: P(breach), ETA quantiles, critical path and criticality, slack, time to act. */
export function forecast(input: ForecastInput): Forecast {
  return forecastWithSamples(input).forecast;
}

/**
 * The forecast, the simulated finish times it was read from (ms since the epoch, in sample
 * order), and when each job is expected to end.
 */
export function forecastWithSamples(input: ForecastInput): { forecast: Forecast; finish: Float64Array; expectedEnds: Map<string, Date> } {
  const p = plan(input.jobs);
  const samples = input.samples ?? 10_000;
  const deadline = input.deadline.getTime();
  const pre = prepare(input, p);
  const sim = simulate(input, p, pre, samples);
  const sorted = Float64Array.from(sim.finish).sort();
  const criticality = p.names.map((job, i) => ({ job, share: (sim.onPath[i] as number) / samples })).sort((a, b) => b.share - a.share);
  const p90 = quantileOf(sorted, 0.9);
  const f: Forecast = {
    pBreach: breachShare(sim.finish, deadline),
    eta: { p50: new Date(quantileOf(sorted, 0.5)), p90: new Date(p90) },
    fan: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99].map((q) => ({ q, at: new Date(quantileOf(sorted, q)) })),
    slackMs: deadline - p90,
    criticalPath: sim.path.map((i) => p.names[i] as string),
    criticality,
    timeToAct: input.withTimeToAct === false ? null : timeToAct(input, p, pre, criticality),
    samples,
  };
  return { forecast: f, finish: sim.finish, expectedEnds: new Map(p.names.map((job, i) => [job, new Date(sim.meanEnd[i] as number)])) };
}

/** Binary search for the latest end of the most critical unfinished job that keeps P(breach) under the threshold. */
function timeToAct(input: ForecastInput, p: Plan, pre: Prepared, criticality: { job: string; share: number }[]): Forecast['timeToAct'] {
  const target = criticality.find((c) => c.share > 0 && input.states.get(c.job)?.kind !== 'done');
  if (!target) return null;
  const index = p.names.indexOf(target.job);
  const threshold = input.threshold ?? 0.3;
  const samples = Math.min(input.samples ?? 10_000, 2_000);
  const deadline = input.deadline.getTime();
  const risk = (end: number) => breachShare(simulate(input, p, pre, samples, { index, end }).finish, deadline);
  let lo = input.now.getTime();
  let hi = deadline;
  if (risk(lo) > threshold) return { job: target.job, latest: null };
  for (let k = 0; k < 16 && hi - lo > 30_000; k++) {
    const mid = (lo + hi) / 2;
    if (risk(mid) > threshold) hi = mid;
    else lo = mid;
  }
  return { job: target.job, latest: new Date(lo) };
}
