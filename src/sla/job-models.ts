import type { JobHistory, RunRow } from './instance-sql.ts';
import { buildJobModel, type JobModel } from './model.ts';
import { pastInstances, startDelays } from './past-instances.ts';

/**
 * Every job's model for an instance starting at `start`, from the history before it: the job's
 * attempts (weighted toward the instance's weekday and hour), its retry delays, and how long it
 * waited for its inputs in the service's past instances (`pastRuns`). Jobs with no history get
 * no model, and the simulation assumes a default for them.
 */
export function jobModels(
  jobs: { job: string; after: string[] }[], histories: ReadonlyMap<string, JobHistory>, pastRuns: RunRow[], start: Date,
): Map<string, JobModel> {
  const delays = startDelays(jobs, pastInstances(jobs, pastRuns));
  const weekday = ((start.getUTCDay() + 6) % 7) + 1;
  const models = new Map<string, JobModel>();
  for (const { job } of jobs) {
    const h = histories.get(job);
    if (!h) continue;
    models.set(job, buildJobModel(h.attempts, { weekday, hour: start.getUTCHours(), retryDelaysMs: h.retryDelaysMs, startDelaysMs: delays.get(job) ?? [] }));
  }
  return models;
}
