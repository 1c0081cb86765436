/** The part of an Argo status node the dependency walk reads. */
export interface GraphNode {
  id: string;
  children?: string[] | undefined;
}

/**
 * The steps each step waits for, from a Workflow's status nodes. A node's `children` run after
 * it; between two steps there may be nodes that are not work (a StepGroup, a nested DAG, a Retry
 * around a template that is not a Pod), which the walk passes through. `stepOf` names the step a
 * node is work of, or undefined for such a node. A Retry node and its attempts are one step, so
 * the attempts under a Retry are never taken for its successors.
 */
export function upstreamSteps<N extends GraphNode>(nodes: Record<string, N>, stepOf: (n: N) => string | undefined): Map<string, Set<string>> {
  const byId = new Map(Object.values(nodes).map((n) => [n.id, n]));
  const upstream = new Map<string, Set<string>>();
  for (const n of byId.values()) {
    const from = stepOf(n);
    if (from === undefined) continue;
    const seen = new Set<string>();
    const queue = [...(n.children ?? [])];
    while (queue.length > 0) {
      const id = queue.pop() as string;
      if (seen.has(id)) continue;
      seen.add(id);
      const child = byId.get(id);
      if (!child) continue;
      const to = stepOf(child);
      if (to === undefined) queue.push(...(child.children ?? []));
      else if (to !== from) upstream.set(to, (upstream.get(to) ?? new Set()).add(from));
    }
  }
  return upstream;
}
