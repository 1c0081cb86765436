import type { Forecast, ForecastInput } from './forecast-types.ts';
import { plan, prepare, simulate, type Plan, type Prepared } from './simulate.ts';

export type { Forecast, ForecastInput, JobState } from './forecast-types.ts';

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
