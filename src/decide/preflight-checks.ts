import type { Queryable } from '../db/pool.ts';
import type { PreflightCheck } from './context.ts';
import type { PreflightChecks } from './decide.ts';
import { inputCheck, upstreamCheck } from './preflight.ts';
import { datasetSizes, datasetsRead, previousStart, upstreamJobs, upstreamStates } from './preflight-sql.ts';

/**
 * The checks before a job starts: each input's size against its history (the sizes the caller
 * reports, else the latest its writers reported), and the health of every upstream job.
 */
export function createPreflightChecks(db: Queryable): PreflightChecks {
  return async (input, now) => {
    const job = `${input.job.namespace}/${input.job.name}`;
    const reported = input.inputs ?? [];
    const [upstream, previous, read] = await Promise.all([upstreamJobs(db, job), previousStart(db, job, now), reported.length ? Promise.resolve([]) : datasetsRead(db, job)]);
    const datasets = reported.length ? reported.map((d) => d.dataset) : read;
    const [states, sizes] = await Promise.all([upstreamStates(db, upstream, now), datasetSizes(db, datasets, now)]);
    const checks: PreflightCheck[] = datasets.map((dataset) => {
      const history = sizes.get(dataset) ?? [];
      const given = reported.find((d) => d.dataset === dataset);
      // Reported by the caller: compare with all history; looked up: the latest is today's, the rest its history.
      return given ? inputCheck(dataset, given.row_count ?? null, history) : inputCheck(dataset, history[0] ?? null, history.slice(1));
    });
    checks.push(...states.map((s) => upstreamCheck(s, previous)));
    return checks;
  };
}
