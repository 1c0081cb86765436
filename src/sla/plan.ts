/** A service's DAG as flat arrays, so that the simulation runs over numbers only. */
export interface Plan {
  names: string[];
  /** Job indices in topological order. */
  order: Int32Array;
  /** Job `i` waits for `deps[depStart[i]] … deps[depStart[i + 1] - 1]` (CSR form). */
  depStart: Int32Array;
  deps: Int32Array;
  /** 1 for jobs nothing waits for: only they can end the instance. */
  sink: Uint8Array;
}

/** Topological order, dependencies and sinks of `jobs`; dependencies on unknown jobs are ignored. */
export function plan(jobs: { job: string; after: string[] }[]): Plan {
  const names = jobs.map((j) => j.job);
  const index = new Map(names.map((n, i) => [n, i]));
  const depLists = jobs.map((j) => j.after.map((d) => index.get(d) ?? -1).filter((i) => i >= 0));
  const indegree = depLists.map((d) => d.length);
  const children = names.map((): number[] => []);
  depLists.forEach((ds, i) => ds.forEach((d) => children[d]?.push(i)));
  const order: number[] = [];
  const queue = indegree.flatMap((n, i) => (n === 0 ? [i] : []));
  for (let head = 0; head < queue.length; head++) {
    const i = queue[head] as number;
    order.push(i);
    for (const c of children[i] ?? []) if (--indegree[c]! === 0) queue.push(c);
  }
  if (order.length !== names.length) throw new Error('service jobs form a cycle');
  const depStart = new Int32Array(names.length + 1);
  depLists.forEach((d, i) => (depStart[i + 1] = (depStart[i] ?? 0) + d.length));
  const sink = Uint8Array.from(children, (c) => (c.length === 0 ? 1 : 0));
  return { names, order: Int32Array.from(order), depStart, deps: Int32Array.from(depLists.flat()), sink };
}
