import type { Plan } from './plan.ts';

/**
 * Walks one sample's critical path back from the job that ended last: at each job, the input
 * that ended last is the one it waited for (none when it waited for the instance start).
 */
export function backtrack(p: Plan, ends: Float32Array, chunk: number, s: number, lastJob: number, onPath: Uint32Array, lastCount: Uint32Array, edgeCount: Uint32Array): void {
  let i = lastJob;
  lastCount[i] = (lastCount[i] as number) + 1;
  for (;;) {
    onPath[i] = (onPath[i] as number) + 1;
    let via = -1;
    let latest = 0; // the instance start
    for (let e = p.depStart[i] as number, stop = p.depStart[i + 1] as number; e < stop; e++) {
      const v = ends[(p.deps[e] as number) * chunk + s] as number;
      if (v > latest) { latest = v; via = e; }
    }
    if (via < 0) return;
    edgeCount[via] = (edgeCount[via] as number) + 1;
    i = p.deps[via] as number;
  }
}

/** Follows the most frequent final job back along its most frequent upstream at each step. */
export function commonestPath(p: Plan, lastCount: Uint32Array, edgeCount: Uint32Array): number[] {
  let i = -1;
  let best = 0;
  lastCount.forEach((c, k) => { if (c > best) { best = c; i = k; } });
  const path: number[] = [];
  const seen = new Set<number>();
  while (i >= 0 && !seen.has(i)) {
    path.unshift(i);
    seen.add(i);
    let next = -1;
    let top = 0;
    for (let e = p.depStart[i] as number; e < (p.depStart[i + 1] as number); e++) {
      if ((edgeCount[e] as number) > top) { top = edgeCount[e] as number; next = p.deps[e] as number; }
    }
    i = next;
  }
  return path;
}
