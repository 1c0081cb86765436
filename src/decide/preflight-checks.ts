import type { Queryable } from '../db/pool.ts';
import { ttlCache } from './cache.ts';
import type { PreflightCheck } from './context.ts';
import type { PreflightChecks } from './context.ts';
import { sizeBasis } from '../runs/completeness.ts';
import { inputCheck, upstreamCheck } from './preflight.ts';
import { datasetSizes, datasetsRead, previousStart, upstreamJobs, upstreamStates, type SizeRow } from './preflight-sql.ts';

/**
 * The checks before a job starts: each input's size against its history (the size the caller
 * reports, else the one its writer reported since this job last ran), and the health of every
 * upstream job.
 */
export function createPreflightChecks(db: Queryable, ttlMs = 30_000): PreflightChecks {
  // What a job reads and waits for changes with deployments, not between two starts: cached. Where
  // its upstream and its inputs stand now is read fresh on every preflight.
  const shape = ttlCache<{ upstream: string[]; read: string[] }>(20_000, ttlMs);
  return async (input, now) => {
    const job = `${input.job.namespace}/${input.job.name}`;
    const reported = input.inputs ?? [];
    const [known, previous] = await Promise.all([
      shape.get(job, async () => {
        const [upstream, read] = await Promise.all([upstreamJobs(db, job), datasetsRead(db, job)]);
        return { upstream, read };
      }),
      previousStart(db, job, now, input.run?.key ?? null),
    ]);
    const { upstream, read } = known;
    const datasets = reported.length ? reported.map((d) => d.dataset) : read;
    const [states, sizes] = await Promise.all([upstreamStates(db, upstream, now), datasetSizes(db, datasets, now)]);
    const checks: PreflightCheck[] = datasets.map((dataset) => {
      const all = sizes.get(dataset) ?? [];
      const given = reported.find((d) => d.dataset === dataset);
      if (given) return judge(dataset, { rows: given.row_count ?? null, bytes: given.bytes ?? null, at: now }, all);
      // Looked up: only a size written since this job last ran describes the input it is about to read.
      const latest = all[0];
      const fresh = latest && (!previous || latest.at > previous) ? latest : null;
      return fresh ? judge(dataset, fresh, all.slice(1)) : { ...inputCheck(dataset, null, []), detail: `${dataset}: no size reported since this job last ran` };
    });
    checks.push(...states.map((s) => upstreamCheck(s, previous)));
    return checks;
  };
}

/** Judges a size against the dataset's history (newest first), on the basis ingest judges versions on. */
function judge(dataset: string, current: SizeRow, history: SizeRow[]): ReturnType<typeof inputCheck> {
  const b = sizeBasis(current, history);
  return inputCheck(dataset, b.value, b.values, b.unit);
}
