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
export function createPreflightChecks(db: Queryable, ttlMs = 30_000, freshMs = 1_000): PreflightChecks {
  // What a job reads and waits for changes with deployments, not between two starts: cached. Where
  // its upstream and its inputs stand now is read at most once per `freshMs` per job and run, so a
  // storm of preflights costs the store one read a second, and each records how old its view was.
  const shape = ttlCache<{ upstream: string[]; read: string[] }>(20_000, ttlMs);
  const standing = ttlCache<Standing>(20_000, freshMs);
  return async (input, now) => {
    const job = `${input.job.namespace}/${input.job.name}`;
    const reported = input.inputs ?? [];
    const { upstream, read } = await shape.get(job, async () => {
      const [up, rd] = await Promise.all([upstreamJobs(db, job), datasetsRead(db, job)]);
      return { upstream: up, read: rd };
    });
    const datasets = reported.length ? reported.map((d) => d.dataset) : read;
    const load = async (): Promise<Standing> => {
      const loadedAt = Date.now();
      const [previous, states, sizes] = await Promise.all([previousStart(db, job, now, input.run?.key ?? null), upstreamStates(db, upstream, now), datasetSizes(db, datasets, now)]);
      return { previous, states, sizes, loadedAt };
    };
    // A preflight about another moment (a replay, a test's clock) reads the store as of then.
    const live = Math.abs(now.getTime() - Date.now()) < freshMs;
    const { previous, states, sizes, loadedAt } = live ? await standing.get(`${job}\u0000${input.run?.key ?? ''}\u0000${datasets.join('\u0000')}`, load) : await load();
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
    return { checks, loadedAt };
  };
}

/** Where a job's upstream and inputs stood when read. */
interface Standing {
  previous: Date | null;
  states: Awaited<ReturnType<typeof upstreamStates>>;
  sizes: Map<string, SizeRow[]>;
  loadedAt: number;
}

/** Judges a size against the dataset's history (newest first), on the basis ingest judges versions on. */
function judge(dataset: string, current: SizeRow, history: SizeRow[]): ReturnType<typeof inputCheck> {
  const b = sizeBasis(current, history);
  return inputCheck(dataset, b.value, b.values, b.unit);
}
