import { median } from 'simple-statistics';
import type { PastInstance } from '../sla/past-instances.ts';
import type { TraceEdge } from './types.ts';

/** Past instances in which both jobs ran, needed before an edge is inferred from their timing. */
const MIN_SEEN = 5;
/** The share of those in which the upstream ended before the downstream started. */
const MIN_SHARE = 0.8;

/**
 * Edges no system reported, for jobs that wait for nothing Medic knows of (a job started by a
 * clock, in a scheduler that reports no lineage). Timing cannot say which job such a job reads,
 * only which jobs are always done before it starts: those that ended before its start in most
 * past instances. Of these, the ones no other of them waits for are linked to it (a job upstream
 * of another candidate is already behind that one), each marked as inferred with its count.
 * Jobs downstream of it are never its input.
 */
export function inferEdges(jobs: string[], edges: TraceEdge[], history: PastInstance[]): TraceEdge[] {
  const waits = new Set(edges.map((e) => e.downstream));
  const index = new Map(jobs.map((j, i) => [j, i]));
  const n = history.length;
  // Each job's start and end in each past instance, NaN where it has none: read once, not per pair.
  const start = new Float64Array(jobs.length * n).fill(Number.NaN);
  const end = new Float64Array(jobs.length * n).fill(Number.NaN);
  history.forEach((inst, i) => {
    for (const [job, r] of inst.runs) {
      const k = index.get(job);
      if (k === undefined) continue;
      if (r.started_at) start[k * n + i] = r.started_at.getTime();
      if (r.ended_at) end[k * n + i] = r.ended_at.getTime();
    }
  });
  const down = downstreamMap(edges);
  let up: Map<string, string[]> | undefined;
  const out: TraceEdge[] = [];
  jobs.forEach((job, d) => {
    if (waits.has(job)) return;
    const before: { up: string; gap: number; count: number; seen: number }[] = [];
    for (let u = 0; u < jobs.length; u++) {
      if (u === d) continue;
      const gaps: number[] = [];
      let seen = 0;
      for (let i = 0; i < n; i++) {
        const e = end[u * n + i] as number;
        const s = start[d * n + i] as number;
        if (Number.isNaN(e) || Number.isNaN(s)) continue;
        seen++;
        if (s - e >= 0) gaps.push(s - e);
      }
      if (seen >= MIN_SEEN && gaps.length >= MIN_SHARE * seen) before.push({ up: jobs[u] as string, gap: median(gaps), count: gaps.length, seen });
    }
    if (before.length === 0) return;
    // Only jobs that pass on timing need the walks: what lies below this job, and which candidates lie behind another.
    const below = downstreamOf(job, down);
    const kept = before.filter((b) => !below.has(b.up));
    const candidates = new Set(kept.map((b) => b.up));
    // A candidate is behind another when it lies upstream of one: one walk up from all of them at once.
    const behind = ancestorsOf(candidates, (up ??= upstreamMap(edges)));
    const frontier = kept.filter((b) => !behind.has(b.up)).sort((a, b) => a.gap - b.gap);
    for (const b of frontier) {
      out.push({
        upstream: b.up, downstream: job, kinds: ['inferred'], datasets: [],
        why: `no system reports what ${job} waits for; ${b.up} ended before it started in ${b.count} of ${b.seen} past instances, a median ${Math.round(b.gap / 60_000)} min before${frontier.length > 1 ? ` (one of ${frontier.length} jobs always done by then)` : ''}`,
      });
    }
  });
  return out;
}

/** Every job downstream of `job`, breadth first. */
export function downstreamOf(job: string, down: Map<string, string[]>): Set<string> {
  const out = new Set<string>();
  const queue = [job];
  for (let k = 0; k < queue.length; k++) {
    for (const d of down.get(queue[k] as string) ?? []) {
      if (d === job || out.has(d)) continue;
      out.add(d);
      queue.push(d);
    }
  }
  return out;
}

/** Each job's downstream neighbours. */
export function downstreamMap(edges: TraceEdge[]): Map<string, string[]> {
  const down = new Map<string, string[]>();
  for (const e of edges) down.set(e.upstream, [...(down.get(e.upstream) ?? []), e.downstream]);
  return down;
}

/** Each job's upstream neighbours. */
function upstreamMap(edges: TraceEdge[]): Map<string, string[]> {
  const up = new Map<string, string[]>();
  for (const e of edges) {
    const u = up.get(e.downstream);
    if (u) u.push(e.upstream);
    else up.set(e.downstream, [e.upstream]);
  }
  return up;
}

/** The jobs upstream of any of `jobs`, one edge or more away. */
function ancestorsOf(jobs: Set<string>, up: Map<string, string[]>): Set<string> {
  const out = new Set<string>();
  const queue = [...jobs];
  for (let k = 0; k < queue.length; k++) {
    for (const u of up.get(queue[k] as string) ?? []) {
      if (out.has(u)) continue;
      out.add(u);
      queue.push(u);
    }
  }
  return out;
}
