import type { RunRow } from '../sla/instance-sql.ts';
import { pastInstances, type PastInstance } from '../sla/past-instances.ts';

/** How many past instances the usual times are learned from. */
export const HISTORY_INSTANCES = 20;

/** The instance a trace is about, and the past ones before it. */
export interface Located {
  instance: PastInstance;
  history: PastInstance[];
}

/**
 * Groups a window of runs into instances (the forecaster's rules: a root run's key, its schedule
 * slot, or a start within a day) and picks the one named by `key` — the instance holding a run
 * with that key, its root's first — or, for `latest`, the last one that had begun by `at`.
 */
export function locateInstance(jobs: { job: string; after: string[] }[], runs: RunRow[], key: string, at: Date): Located | undefined {
  const all = pastInstances(jobs, runs);
  const index = key === 'latest'
    ? findLastIndex(all, (i) => i.start <= at.getTime())
    : bestByKey(all, key);
  if (index < 0) return undefined;
  return { instance: all[index] as PastInstance, history: all.slice(Math.max(0, index - HISTORY_INSTANCES), index) };
}

function bestByKey(all: PastInstance[], key: string): number {
  const own = all.findIndex((i) => i.key === key);
  return own >= 0 ? own : all.findIndex((i) => [...i.runs.values()].some((r) => r.run_key === key));
}

function findLastIndex<T>(xs: T[], p: (x: T) => boolean): number {
  for (let k = xs.length - 1; k >= 0; k--) if (p(xs[k] as T)) return k;
  return -1;
}
