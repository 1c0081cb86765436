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
  const ups = new Map<string, string[]>();
  for (const e of edges) ups.set(e.downstream, [...(ups.get(e.downstream) ?? []), e.upstream]);
  const down = downstreamMap(edges);
  const out: TraceEdge[] = [];
  for (const job of jobs) {
    if ((ups.get(job) ?? []).length > 0) continue;
    const below = downstreamOf(job, down);
    const before: { up: string; gap: number; count: number; seen: number }[] = [];
    for (const up of jobs) {
      if (up === job || below.has(up)) continue;
      const gaps: number[] = [];
      let seen = 0;
      for (const inst of history) {
        const u = inst.runs.get(up);
        const d = inst.runs.get(job);
        if (!u?.ended_at || !d?.started_at) continue;
        seen++;
        const gap = d.started_at.getTime() - u.ended_at.getTime();
        if (gap >= 0) gaps.push(gap);
      }
      if (seen >= MIN_SEEN && gaps.length >= MIN_SHARE * seen) before.push({ up, gap: median(gaps), count: gaps.length, seen });
    }
    const candidates = new Set(before.map((b) => b.up));
    const behind = new Set(before.flatMap((b) => [...downstreamOf(b.up, down)].filter((d) => candidates.has(d)).length > 0 ? [b.up] : []));
    const frontier = before.filter((b) => !behind.has(b.up)).sort((a, b) => a.gap - b.gap);
    for (const b of frontier) {
      out.push({
        upstream: b.up, downstream: job, kinds: ['inferred'], datasets: [],
        why: `no system reports what ${job} waits for; ${b.up} ended before it started in ${b.count} of ${b.seen} past instances, a median ${Math.round(b.gap / 60_000)} min before${frontier.length > 1 ? ` (one of ${frontier.length} jobs always done by then)` : ''}`,
      });
    }
  }
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
