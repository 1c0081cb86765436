/** Where a service's edge comes from: its definition's `after`, or what ingest learned. */
export type EdgeOrigin =
  | { kind: 'definition' }
  /** The orchestrator declared it: an Airflow task's upstream tasks, an Argo step's predecessors. */
  | { kind: 'declared'; firstSeenAt: Date; lastSeenAt: Date }
  /** The upstream job writes a dataset the downstream one reads. */
  | { kind: 'dataset'; dataset: string; firstSeenAt: Date; lastSeenAt: Date };

/** One dependency between two jobs of a service (`downstream` waits for `upstream`), and how it is known. */
export interface ServiceEdge {
  upstream: string;
  downstream: string;
  origins: EdgeOrigin[];
}

export interface DroppedEdge extends ServiceEdge {
  /** The loop the edge would have closed, upstream to downstream, from the edge's downstream job back to it. */
  cycle: string[];
}

/** The path from `from` along what it waits for to `to`, or undefined when it does not wait for it. */
function waitPath(after: Map<string, Set<string>>, from: string, to: string): string[] | undefined {
  const parent = new Map<string, string>([[from, from]]);
  const stack = [from];
  while (stack.length > 0) {
    const job = stack.pop() as string;
    if (job === to) {
      const path = [job];
      for (let j = job; j !== from; j = parent.get(j) as string) path.push(parent.get(j) as string);
      return path.reverse();
    }
    for (const up of after.get(job) ?? []) {
      if (parent.has(up)) continue;
      parent.set(up, job);
      stack.push(up);
    }
  }
  return undefined;
}

/**
 * Keeps the edges in the order given, leaving out each one that would close a cycle with those
 * already kept; so the edges that come first (the definition's, then those nearest the terminal
 * jobs) win, and what is left is a DAG.
 */
export function breakCycles(edges: ServiceEdge[]): { kept: ServiceEdge[]; dropped: DroppedEdge[] } {
  // Most services hold no cycle: one pass of Kahn's algorithm says so in O(V + E).
  if (isAcyclic(edges)) return { kept: [...edges], dropped: [] };
  const after = new Map<string, Set<string>>();
  const kept: ServiceEdge[] = [];
  const dropped: DroppedEdge[] = [];
  for (const e of edges) {
    const loop = waitPath(after, e.upstream, e.downstream);
    if (loop) {
      dropped.push({ ...e, cycle: [...loop.reverse(), e.downstream] });
      continue;
    }
    after.set(e.downstream, (after.get(e.downstream) ?? new Set()).add(e.upstream));
    kept.push(e);
  }
  return { kept, dropped };
}

/** The jobs in an order where each comes after those it waits for; ties by name, so it is stable. */
export function topological(jobs: string[], after: Map<string, string[]>): string[] {
  const waiting = new Map(jobs.map((j) => [j, new Set((after.get(j) ?? []).filter((u) => u !== j))]));
  const out: string[] = [];
  while (waiting.size > 0) {
    const ready = [...waiting].filter(([, ups]) => [...ups].every((u) => !waiting.has(u))).map(([j]) => j).sort();
    // An acyclic input always has a ready job; the guard keeps a bad input from looping forever.
    const next = ready.length > 0 ? ready : [...waiting.keys()].sort();
    for (const j of next) waiting.delete(j);
    out.push(...next);
  }
  return out;
}

/** Whether the edges hold no cycle (Kahn's algorithm places every job). */
function isAcyclic(edges: { upstream: string; downstream: string }[]): boolean {
  const indegree = new Map<string, number>();
  const down = new Map<string, string[]>();
  for (const e of edges) {
    indegree.set(e.downstream, (indegree.get(e.downstream) ?? 0) + 1);
    if (!indegree.has(e.upstream)) indegree.set(e.upstream, 0);
    const d = down.get(e.upstream);
    if (d) d.push(e.downstream);
    else down.set(e.upstream, [e.downstream]);
  }
  const ready = [...indegree].filter(([, n]) => n === 0).map(([j]) => j);
  let placed = 0;
  while (ready.length > 0) {
    const j = ready.pop() as string;
    placed++;
    for (const d of down.get(j) ?? []) {
      const n = (indegree.get(d) ?? 0) - 1;
      indegree.set(d, n);
      if (n === 0) ready.push(d);
    }
  }
  return placed === indegree.size;
}
