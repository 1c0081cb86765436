/**
 * Drain3 (logpai/Drain3) with its default configuration, ported line for line for the baseline
 * printed beside Medic's figures: depth 4, similarity threshold 0.4, 100 children per node,
 * numeric tokens routed to `<*>` in the prefix tree, no masking, whitespace tokens, no cluster
 * limit. Only what `TemplateMiner.add_log_message` does on that configuration is here.
 */
const PARAM = '<*>';
const DEPTH = 4;
const SIM_TH = 0.4;
const MAX_CHILDREN = 100;
const MAX_NODE_DEPTH = DEPTH - 2;

interface Node {
  children: Map<string, Node>;
  clusterIds: number[];
}

interface Cluster {
  id: number;
  tokens: string[];
}

const node = (): Node => ({ children: new Map(), clusterIds: [] });
const hasNumbers = (s: string) => /\d/.test(s);

function seqDistance(template: string[], tokens: string[]): { sim: number; params: number } {
  if (template.length === 0) return { sim: 1, params: 0 };
  let same = 0;
  let params = 0;
  for (let i = 0; i < template.length; i++) {
    if (template[i] === PARAM) params++;
    else if (template[i] === tokens[i]) same++;
  }
  return { sim: same / template.length, params };
}

export interface Drain3 {
  add(content: string): { clusterId: number };
  template(id: number): string;
}

export function createDrain3(): Drain3 {
  const root = node();
  const clusters = new Map<number, Cluster>();
  let count = 0;

  const fastMatch = (ids: number[], tokens: string[]): Cluster | undefined => {
    let maxSim = -1;
    let maxParams = -1;
    let best: Cluster | undefined;
    for (const id of ids) {
      const c = clusters.get(id);
      if (!c) continue;
      const { sim, params } = seqDistance(c.tokens, tokens);
      if (sim > maxSim || (sim === maxSim && params > maxParams)) {
        maxSim = sim;
        maxParams = params;
        best = c;
      }
    }
    return maxSim >= SIM_TH ? best : undefined;
  };

  const treeSearch = (tokens: string[]): Cluster | undefined => {
    let cur = root.children.get(String(tokens.length));
    if (!cur) return undefined;
    if (tokens.length === 0) return clusters.get(cur.clusterIds[0] ?? -1);
    let depth = 1;
    for (const token of tokens) {
      if (depth >= MAX_NODE_DEPTH || depth === tokens.length) break;
      const next: Node | undefined = cur.children.get(token) ?? cur.children.get(PARAM);
      if (!next) return undefined;
      cur = next;
      depth++;
    }
    return fastMatch(cur.clusterIds, tokens);
  };

  const addToTree = (c: Cluster) => {
    const lengthKey = String(c.tokens.length);
    let cur = root.children.get(lengthKey) ?? node();
    root.children.set(lengthKey, cur);
    if (c.tokens.length === 0) {
      cur.clusterIds = [c.id];
      return;
    }
    let depth = 1;
    for (const token of c.tokens) {
      if (depth >= MAX_NODE_DEPTH || depth >= c.tokens.length) {
        cur.clusterIds = [...cur.clusterIds.filter((id) => clusters.has(id)), c.id];
        break;
      }
      const children: Map<string, Node> = cur.children;
      let next = children.get(token);
      if (!next) {
        if (hasNumbers(token)) {
          next = children.get(PARAM) ?? node();
          children.set(PARAM, next);
        } else if (children.has(PARAM)) {
          if (children.size < MAX_CHILDREN) children.set(token, (next = node()));
          else next = children.get(PARAM) as Node;
        } else if (children.size + 1 < MAX_CHILDREN) children.set(token, (next = node()));
        else if (children.size + 1 === MAX_CHILDREN) children.set(PARAM, (next = node()));
        else next = children.get(PARAM) as Node;
      }
      cur = next;
      depth++;
    }
  };

  return {
    add(content) {
      const tokens = content.trim().split(/\s+/).filter((t) => t !== '');
      const match = treeSearch(tokens);
      if (!match) {
        const c = { id: ++count, tokens };
        clusters.set(c.id, c);
        addToTree(c);
        return { clusterId: c.id };
      }
      match.tokens = match.tokens.map((t, i) => (t === tokens[i] ? t : PARAM));
      return { clusterId: match.id };
    },
    template: (id) => clusters.get(id)?.tokens.join(' ') ?? '',
  };
}
