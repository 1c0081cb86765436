import type { JobState } from './forecast.ts';
import type { RunRow } from './instance-sql.ts';

/** The service instance a forecast is about: when it started and where each job stands. */
export interface Instance {
  /** The root run's key: a schedule slot or a submission. */
  key: string;
  start: Date;
  states: Map<string, JobState>;
}

/**
 * Finds the current instance as of `at`: the latest run of a root job (one that waits for no other)
 * names it; the other jobs' runs belong to it when they share its run key (same DAG run, same
 * submission), else its schedule time, else started within a day of it. Times after `at` are
 * unknown yet, which is how a past instance is replayed.
 */
export function currentInstance(jobs: readonly { job: string; after: string[] }[], runs: RunRow[], at: Date): Instance | undefined {
  const roots = jobs.filter((j) => j.after.length === 0).map((j) => j.job);
  const rootRuns = runs.filter((r) => roots.includes(r.job)).sort((a, b) => startOf(b) - startOf(a));
  const root = rootRuns[0];
  if (!root) return undefined;
  const start = new Date(Math.min(...rootRuns.filter((r) => sameInstance(r, root)).map(startOf)));
  const states = new Map<string, JobState>();
  for (const j of jobs) {
    // A run with the root's own key is this instance's for sure; the looser rules only fill gaps.
    const own = runs.filter((r) => r.job === j.job && r.run_key === root.run_key);
    const candidates = own.length ? own : runs.filter((r) => r.job === j.job && sameInstance(r, root, start));
    const run = candidates.sort((a, b) => startOf(b) - startOf(a))[0];
    states.set(j.job, run ? stateAt(run, at) : { kind: 'pending' });
  }
  return { key: root.run_key, start, states };
}

/** When a run's slot began: its schedule time, else its start. */
export function startOf(r: RunRow): number {
  return (r.scheduled_at ?? r.started_at ?? new Date(0)).getTime();
}

/** Whether `r` belongs to the instance `root` names (same key, same schedule time, or started within a day). */
export function sameInstance(r: RunRow, root: RunRow, start?: Date): boolean {
  if (r.run_key === root.run_key) return true;
  if (r.scheduled_at && root.scheduled_at) return r.scheduled_at.getTime() === root.scheduled_at.getTime();
  const from = start ?? new Date(startOf(root));
  return r.started_at !== null && r.started_at >= from && r.started_at.getTime() < from.getTime() + 86_400_000;
}

/** Where a run stood at `at`, ignoring what happened after. */
function stateAt(r: RunRow, at: Date): JobState {
  const ended = r.ended_at && r.ended_at <= at ? r.ended_at : null;
  if (ended && r.state === 'completed') return { kind: 'done', endedAt: ended };
  if (ended && (r.state === 'failed' || r.state === 'aborted')) return { kind: 'failed', endedAt: ended };
  if (r.started_at && r.started_at <= at) return { kind: 'running', startedAt: r.started_at };
  return { kind: 'pending' };
}
