import type { Queryable } from '../db/pool.ts';
import { clockTime, deadlineFor } from './deadline.ts';
import { forecast, type Forecast, type JobState } from './forecast.ts';
import { attemptHistory, recentRuns } from './instance-sql.ts';
import { currentInstance } from './instance.ts';
import { buildJobModel, type JobModel } from './model.ts';
import type { ServiceDefinition } from './schema.ts';
import { listServices } from './sql.ts';

export interface ServiceForecast {
  service: string;
  at: Date;
  instance: { key: string; start: Date; deadline: Date };
  jobs: { job: string; state: JobState['kind']; confidence: JobModel['confidence'] | 'none'; samples: number }[];
  forecast: Forecast;
  atRisk: boolean;
  /** Services downstream (transitively) that miss their deadlines when this one is late. */
  downstream: string[];
  /** One sentence a person can act on. */
  summary: string;
}

export type ForecastOutcome =
  | { kind: 'forecast'; value: ServiceForecast }
  | { kind: 'unknown-service' }
  | { kind: 'no-instance'; reason: string };

/** Every service downstream of `name`, breadth first, each once. */
export function downstreamOf(name: string, services: Map<string, ServiceDefinition>, direct: string[]): string[] {
  const seen = new Set<string>([name]);
  const queue = [...direct];
  const out: string[] = [];
  while (queue.length) {
    const next = queue.shift() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    out.push(next);
    queue.push(...(services.get(next)?.downstream ?? []));
  }
  return out;
}

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
  const jobNames = def.jobs.map((j) => j.job);
  const instance = currentInstance(def, await recentRuns(db, jobNames, at), at);
  if (!instance) return { kind: 'no-instance', reason: `no run of ${def.jobs.filter((j) => j.after.length === 0).map((j) => j.job).join(', ')} by ${at.toISOString()}` };
  const deadline = deadlineFor(def.deadline, instance.start);
  const histories = await attemptHistory(db, jobNames, instance.start);
  const weekday = ((instance.start.getUTCDay() + 6) % 7) + 1;
  const models = new Map(jobNames.map((j) => [j, buildJobModel(histories.get(j) ?? [], { weekday })]));
  const f = forecast({
    jobs: def.jobs, states: instance.states, models, start: instance.start, now: at, deadline,
    samples: options.samples ?? 10_000, seed: options.seed ?? 1, threshold: def.alert.breachProbability,
  });
  const downstream = downstreamOf(def.name, all, def.downstream);
  const atRisk = f.pBreach >= def.alert.breachProbability || f.slackMs < def.alert.slackMinutes * 60_000;
  return {
    kind: 'forecast',
    value: {
      service: def.name, at, instance: { key: instance.key, start: instance.start, deadline },
      jobs: jobNames.map((j) => ({ job: j, state: instance.states.get(j)?.kind ?? 'pending', confidence: histories.has(j) ? (models.get(j)?.confidence ?? 'none') : 'none', samples: models.get(j)?.samples ?? 0 })),
      forecast: f, atRisk, downstream, summary: sentence(def, f, deadline, downstream, atRisk),
    },
  };
}

const short = (job: string) => job.split('/').pop() ?? job;

/** "*Financial close* is at risk: 72 % chance to miss 06:00 (ETA 06:14, p90 06:31). Critical path: …" */
export function sentence(def: ServiceDefinition, f: Forecast, deadline: Date, downstream: string[], atRisk: boolean): string {
  const title = def.title ?? def.name;
  const pct = Math.round(f.pBreach * 100);
  const head = `*${title}* ${atRisk ? 'is at risk' : 'is on track'}: ${pct} % chance to miss ${clockTime(deadline, def.deadline)} (ETA ${clockTime(f.eta.p50, def.deadline)}, p90 ${clockTime(f.eta.p90, def.deadline)}).`;
  const path = f.criticalPath.length ? ` Critical path: ${f.criticalPath.map(short).join(' → ')}.` : '';
  const act = f.timeToAct;
  if (!act || !atRisk) return head + path;
  const hit = downstream.length === 0 ? `*${title}* misses its deadline`
    : `${downstream.slice(0, 2).map((d) => `*${d}*`).join(', ')}${downstream.length > 2 ? ` and ${downstream.length - 2} more services` : ''} miss their deadlines`;
  return act.latest
    ? `${head}${path} If *${short(act.job)}* does not recover by ${clockTime(act.latest, def.deadline)}, ${hit}.`
    : `${head}${path} Even a recovery of *${short(act.job)}* now leaves more than ${Math.round(def.alert.breachProbability * 100)} % risk that ${hit}.`;
}
