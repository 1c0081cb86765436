import type { Queryable } from '../db/pool.ts';
import { deadlineFor } from './deadline.ts';
import { downstreamChain, downstreamImpact, type DownstreamInput } from './downstream.ts';
import { forecastWithSamples } from './forecast.ts';
import { attemptHistory, recentRuns, runsBefore } from './instance-sql.ts';
import { currentInstance } from './instance.ts';
import { jobModels } from './job-models.ts';
import { resolveServiceJobs } from './lineage.ts';
import type { JobModel } from './model.ts';
import { makespans, pastInstances } from './past-instances.ts';
import type { ServiceDefinition } from './schema.ts';
import { listServices } from './sql.ts';
import { sentence } from './summary.ts';
import type { ServiceForecast } from './service-forecast-type.ts';

export type { ServiceForecast } from './service-forecast-type.ts';

export type ForecastOutcome =
  | { kind: 'forecast'; value: ServiceForecast }
  | { kind: 'unknown-service' }
  | { kind: 'no-instance'; reason: string };

interface ForecastOptions {
  samples?: number;
  seed?: number;
}

/** Forecasts the service's current instance as of `at` (now, or a past time for replay). */
export async function forecastService(db: Queryable, name: string, at: Date, options: ForecastOptions = {}): Promise<ForecastOutcome> {
  const all = new Map((await listServices(db)).map((s) => [s.name, s.definition]));
  const def = all.get(name);
  return def ? forecastDefinition(db, def, all, at, options) : { kind: 'unknown-service' };
}

/** Forecasts one service whose definition, and those of all services, the caller already holds. */
export async function forecastDefinition(
  db: Queryable, def: ServiceDefinition, all: Map<string, ServiceDefinition>, at: Date, options: ForecastOptions = {},
): Promise<ForecastOutcome> {
  // A service named by its last jobs is forecast over what lineage says lies upstream of them now.
  const { jobs } = await resolveServiceJobs(db, def);
  if (jobs.length === 0) return { kind: 'no-instance', reason: `lineage knows no job upstream of ${(def.terminal ?? []).join(', ')} yet` };
  const jobNames = jobs.map((j) => j.job);
  const instance = currentInstance(jobs, await recentRuns(db, jobNames, at), at);
  if (!instance) return { kind: 'no-instance', reason: `no run of ${jobs.filter((j) => j.after.length === 0).map((j) => j.job).join(', ')} by ${at.toISOString()}` };
  const deadline = deadlineFor(def.deadline, instance.start);
  const models = await learnModels(db, jobs, instance.start);
  const seed = options.seed ?? 1;
  const { forecast: f, finish, expectedEnds } = forecastWithSamples({
    jobs, states: instance.states, models, start: instance.start, now: at, deadline,
    samples: options.samples ?? 10_000, seed, threshold: def.alert.breachProbability,
  });
  const impact = downstreamImpact(finish, instance.start, await downstreamInputs(db, def.name, all, instance.start), seed);
  const atRisk = f.pBreach >= def.alert.breachProbability || f.slackMs < def.alert.slackMinutes * 60_000;
  const downstream = impact.filter((d) => d.atRisk || (atRisk && d.basis === 'unknown')).map((d) => d.service);
  return {
    kind: 'forecast',
    value: {
      service: def.name, at, instance: { key: instance.key, start: instance.start, deadline },
      jobs: jobNames.map((j) => ({ job: j, state: instance.states.get(j)?.kind ?? 'pending', confidence: models.has(j) ? (models.get(j)?.confidence ?? 'none') : 'none', samples: models.get(j)?.samples ?? 0, expectedEnd: expectedEnds.get(j) ?? null })),
      forecast: f, atRisk, downstream, impact, summary: sentence(def, f, deadline, downstream, atRisk),
    },
  };
}

/** Each job's model from the history before the instance starts (see `jobModels`). */
async function learnModels(db: Queryable, jobs: { job: string; after: string[] }[], start: Date): Promise<Map<string, JobModel>> {
  const names = jobs.map((j) => j.job);
  const [histories, past] = await Promise.all([attemptHistory(db, names, start), runsBefore(db, names, start)]);
  return jobModels(jobs, histories, past, start);
}

/** The downstream services with their definitions and past makespans, breadth first. */
async function downstreamInputs(db: Queryable, name: string, all: Map<string, ServiceDefinition>, before: Date): Promise<DownstreamInput[]> {
  const out: DownstreamInput[] = [];
  for (const d of downstreamChain(name, all)) {
    const def = all.get(d.name);
    if (!def) { out.push({ ...d, def: undefined, makespansMs: [] }); continue; }
    const { jobs } = await resolveServiceJobs(db, def);
    const runs = await runsBefore(db, jobs.map((j) => j.job), before);
    out.push({ ...d, def, makespansMs: makespans(jobs, pastInstances(jobs, runs)) });
  }
  return out;
}
