/** What every format's emitter shares: the day's clock, the instance key, failure messages, the runs to report. */
import { failureKinds } from '../../src/demo/failures.ts';
import type { Random } from '../../src/demo/random.ts';
import type { PlannedDay } from './plan.ts';
import type { Attempt, JobRun } from './simulate.ts';
import { jobOf, type Format, type World, type WorldJob } from './world.ts';

/** A minute of the day as epoch milliseconds, to the second (as the orchestrators report times). */
export const msAt = (day: PlannedDay, min: number) => Math.round(day.slot.getTime() / 1000 + min * 60) * 1000;
export const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The Airflow DAG run id of the day: the key Medic gives the instance (see ingest/openlineage.ts). */
export const instanceKey = (slot: Date) => `scheduled__${slot.toISOString().replace('.000Z', '+00:00')}`;

/** The message of a failed attempt, as the job's runtime would word it; one that met no input names it. */
export function errorFor(world: World, j: WorldJob, a: Attempt, r: Random): string {
  if (a.cause === 'inherited') {
    const input = j.parents[0] === undefined ? j.dataset : jobOf(world, j.parents[0]).dataset;
    return r.chance(0.5)
      ? `FileNotFoundError: [Errno 2] No such file or directory: '${input.namespace}/${input.name}/_SUCCESS'`
      : `ValueError: input ${input.namespace}/${input.name} is empty: 0 rows read, expected > 0`;
  }
  const kinds = j.format === 'argo' ? [failureKinds.oomKilled] : [failureKinds.connectionRefused, failureKinds.rateLimited, failureKinds.diskFull];
  return r.pick(kinds)(r).message;
}

export interface RunOf {
  job: WorldJob;
  run: JobRun;
}

/** The runs of the day's jobs on `format`, in the order they ran. */
export function runsOn(world: World, day: PlannedDay, format: Format): RunOf[] {
  return world.order.flatMap((id) => {
    const run = day.run.runs.get(id);
    const job = jobOf(world, id);
    return run && job.format === format ? [{ job, run }] : [];
  });
}
