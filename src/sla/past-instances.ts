import type { RunRow } from './instance-sql.ts';
import { sameInstance, startOf } from './instance.ts';

/** One past execution of a service, as its jobs' runs show it. */
export interface PastInstance {
  key: string;
  start: number;
  /** Each job's run in this instance, by `namespace/name`. */
  runs: Map<string, RunRow>;
}

/**
 * Groups a window of the service's runs into instances with the same rules as the current
 * instance: root runs that share a run key or schedule time are one instance; every other run
 * joins the latest instance it matches (same run key, same schedule time, or started within a
 * day after the instance began).
 */
export function pastInstances(jobs: { job: string; after: string[] }[], runs: RunRow[]): PastInstance[] {
  const roots = new Set(jobs.filter((j) => j.after.length === 0).map((j) => j.job));
  const out: Grouped[] = [];
  const byKey = new Map<string, Grouped>();
  const bySlot = new Map<number, Grouped>();
  for (const r of runs.filter((x) => roots.has(x.job)).sort((a, b) => startOf(a) - startOf(b))) {
    const last = out.at(-1);
    // Two runs of one job are two instances unless they share a key: a day holds many submissions.
    const inst = byKey.get(r.run_key) ?? (r.scheduled_at ? bySlot.get(r.scheduled_at.getTime()) : undefined)
      ?? (last && !last.runs.has(r.job) && sameInstance(r, last.root) ? last : undefined);
    if (inst) {
      inst.start = Math.min(inst.start, startOf(r));
      if (!inst.runs.has(r.job)) inst.runs.set(r.job, r);
    } else {
      const made: Grouped = { key: r.run_key, start: startOf(r), runs: new Map([[r.job, r]]), root: r };
      out.push(made);
      if (r.scheduled_at) bySlot.set(r.scheduled_at.getTime(), made);
    }
    if (!byKey.has(r.run_key)) byKey.set(r.run_key, (inst ?? out.at(-1)) as Grouped);
  }
  for (const r of runs) {
    if (roots.has(r.job)) continue;
    const inst = byKey.get(r.run_key) ?? (r.scheduled_at ? bySlot.get(r.scheduled_at.getTime()) : undefined) ?? latestMatching(out, r);
    if (inst && !inst.runs.has(r.job)) inst.runs.set(r.job, r);
  }
  return out.map(({ key, start, runs: rs }) => ({ key, start, runs: rs }));
}

type Grouped = PastInstance & { root: RunRow };

/** The latest instance that began before `r` and that `r` could belong to (within a day, no run of its job yet). */
function latestMatching(instances: Grouped[], r: RunRow): Grouped | undefined {
  for (let k = instances.length - 1; k >= 0; k--) {
    const inst = instances[k] as Grouped;
    if (inst.start > startOf(r)) continue;
    if (startOf(r) - inst.start >= 86_400_000) return undefined;
    if (!inst.runs.has(r.job) && sameInstance(r, inst.root, new Date(inst.start))) return inst;
  }
  return undefined;
}

/**
 * How long each job waited to start once its inputs were ready, in ms, over past instances: after
 * the latest end of the jobs it waits for, or after the instance start for a job that waits for
 * none. A job that started before its input was ready (a clock start) waited zero.
 */
export function startDelays(jobs: { job: string; after: string[] }[], instances: PastInstance[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const inst of instances) {
    for (const j of jobs) {
      const started = inst.runs.get(j.job)?.started_at;
      if (!started) continue;
      const inputs = j.after.map((d) => inst.runs.get(d)?.ended_at ?? null);
      if (inputs.some((e) => e === null)) continue;
      const ready = Math.max(inst.start, ...inputs.map((e) => (e as Date).getTime()));
      const list = out.get(j.job) ?? [];
      list.push(Math.max(0, started.getTime() - ready));
      out.set(j.job, list);
    }
  }
  return out;
}

/** How long each complete past instance took, from its start to its last job's end, in ms. */
export function makespans(jobs: { job: string }[], instances: PastInstance[]): number[] {
  return instances.flatMap((inst) => {
    const ends = jobs.map((j) => inst.runs.get(j.job));
    if (ends.some((r) => !r || r.state !== 'completed' || !r.ended_at)) return [];
    return [Math.max(...ends.map((r) => (r?.ended_at as Date).getTime())) - inst.start];
  });
}
