import { splitJob } from '../runs/job-name.ts';
import { downstreamMap, downstreamOf } from './infer.ts';
import type { BlastRadius, Trace } from './types.ts';

/**
 * What lies downstream of an origin in the instance: the runs that took its output (they ran, so
 * they need a rerun once the origin is fixed), in dependency order, and the service's deadline
 * with the time left at the trace's moment.
 */
export function blastRadius(trace: Trace, origin: string): BlastRadius {
  const down = downstreamMap(trace.edges);
  const reached = downstreamOf(origin, down);
  const order = topologicalOrder(trace);
  const reruns = order
    .filter((j) => reached.has(j.job) && j.run?.startedAt)
    .map((j) => ({ job: j.job, runKey: j.run?.runKey ?? null, orchestrator: j.orchestrator }));
  const minutesLeft = trace.deadline ? Math.round((Date.parse(trace.deadline) - Date.parse(trace.at)) / 60_000) : null;
  const short = (job: string) => splitJob(job).name;
  return {
    reruns,
    services: [{ service: trace.service, deadline: trace.deadline, minutesLeft }],
    proposal: reruns.length === 0 ? null
      : `rerun ${reruns.length === 1 ? 'this one' : `these ${reruns.length} in order`} once ${short(origin)} is fixed: ${reruns.map((r) => short(r.job)).join(' → ')}`,
  };
}

/** The trace's jobs upstream first (Kahn's order; ties by the run's start, then by name). */
export function topologicalOrder(trace: Trace): Trace['jobs'] {
  const indegree = new Map(trace.jobs.map((j) => [j.job, 0]));
  const down = downstreamMap(trace.edges);
  for (const e of trace.edges) if (indegree.has(e.downstream) && indegree.has(e.upstream)) indegree.set(e.downstream, (indegree.get(e.downstream) ?? 0) + 1);
  const byName = new Map(trace.jobs.map((j) => [j.job, j]));
  const key = (name: string) => byName.get(name)?.startMin ?? Number.MAX_SAFE_INTEGER;
  const ready = trace.jobs.filter((j) => indegree.get(j.job) === 0).map((j) => j.job);
  const out: Trace['jobs'] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => key(a) - key(b) || a.localeCompare(b));
    const next = ready.shift() as string;
    out.push(byName.get(next) as Trace['jobs'][number]);
    for (const d of down.get(next) ?? []) {
      if (!indegree.has(d)) continue;
      const left = (indegree.get(d) ?? 0) - 1;
      indegree.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  // A cycle through inferred or parent edges leaves jobs unplaced: they follow in start order.
  const placed = new Set(out.map((j) => j.job));
  return [...out, ...trace.jobs.filter((j) => !placed.has(j.job)).sort((a, b) => key(a.job) - key(b.job))];
}
