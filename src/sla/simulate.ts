import { QUANTILES, residual } from './model.ts';
import type { ForecastInput } from './forecast.ts';

/**
 * The Monte Carlo itself, over flat arrays: the DAG in topological order with its dependencies in
 * CSR form, each job's state, quantile table, failure rate and retry delay as typed arrays.
 */

export interface Plan {
  names: string[];
  order: Int32Array;
  depStart: Int32Array;
  deps: Int32Array;
}

/** Topological order and dependencies as flat arrays: the simulation runs over numbers only. */
export function plan(jobs: { job: string; after: string[] }[]): Plan {
  const names = jobs.map((j) => j.job);
  const index = new Map(names.map((n, i) => [n, i]));
  const depLists = jobs.map((j) => j.after.map((d) => index.get(d) ?? -1).filter((i) => i >= 0));
  const indegree = depLists.map((d) => d.length);
  const children = names.map((): number[] => []);
  depLists.forEach((ds, i) => ds.forEach((d) => children[d]?.push(i)));
  const order: number[] = [];
  const queue = indegree.flatMap((n, i) => (n === 0 ? [i] : []));
  while (queue.length) {
    const i = queue.shift() as number;
    order.push(i);
    for (const c of children[i] ?? []) if (--indegree[c]! === 0) queue.push(c);
  }
  if (order.length !== names.length) throw new Error('service jobs form a cycle');
  const depStart = new Int32Array(names.length + 1);
  depLists.forEach((d, i) => (depStart[i + 1] = (depStart[i] ?? 0) + d.length));
  return { names, order: Int32Array.from(order), depStart, deps: Int32Array.from(depLists.flat()) };
}

export interface Sim {
  finish: Float64Array;
  onPath: Uint32Array;
  /** The critical path most often seen, as node indices, upstream first. */
  path: number[];
}

/** Per-job inputs of the simulation as flat arrays (kind, fixed times, tables, failure, retry). */
export interface Prepared {
  kind: Int8Array; // 0 done, 1 running, 2 failed, 3 pending
  fixed: Float64Array; // done: end; running: start; failed: end of the failed attempt
  /** Every job's quantile table end to end (`QUANTILES` per job); `known` says which are real. */
  tables: Float32Array;
  known: Uint8Array;
  failP: Float64Array;
  retry: Float64Array;
}

const KIND = { done: 0, running: 1, failed: 2, pending: 3 } as const;

export function prepare(input: ForecastInput, p: Plan): Prepared {
  const n = p.names.length;
  const out: Prepared = {
    kind: new Int8Array(n), fixed: new Float64Array(n), tables: new Float32Array(n * QUANTILES), known: new Uint8Array(n),
    failP: new Float64Array(n), retry: new Float64Array(n),
  };
  p.names.forEach((name, i) => {
    const st = input.states.get(name) ?? { kind: 'pending' as const };
    const m = input.models.get(name);
    out.kind[i] = KIND[st.kind];
    out.fixed[i] = st.kind === 'done' || st.kind === 'failed' ? st.endedAt.getTime() : st.kind === 'running' ? st.startedAt.getTime() : 0;
    if (m) {
      out.tables.set(m.table, i * QUANTILES);
      out.known[i] = 1;
    } else out.tables.fill(600_000, i * QUANTILES, (i + 1) * QUANTILES); // ten minutes for a job Medic knows nothing of
    out.failP[i] = m?.failureRate ?? 0.05;
    out.retry[i] = m?.retryDelayMs ?? 300_000;
  });
  return out;
}

/** A duration drawn from a job's quantile table, interpolating between neighbouring quantiles. */
function draw(tables: Float32Array, base: number, u: number): number {
  const x = u * (QUANTILES - 1);
  const k = x | 0;
  const lo = tables[base + k] as number;
  return lo + ((tables[base + k + 1] ?? lo) - lo) * (x - k);
}

/** Samples simulated together: one job's values for a chunk sit side by side in memory. */
const CHUNK = 1_024;

/**
 * Runs the Monte Carlo job by job over chunks of samples (each job's draws for a chunk are one
 * contiguous array, which is what makes 10,000 samples of a large DAG affordable), with an
 * inlined mulberry32 generator; `forced` pins one job's end, for the time to act.
 */
export function simulate(input: ForecastInput, p: Plan, pre: Prepared, samples: number, forced?: { index: number; end: number }): Sim {
  // The generator's state lives in a typed array: a uint32 in a closure variable would be boxed
  // as a heap number on every draw.
  const state = new Uint32Array([(input.seed ?? 1) >>> 0]);
  const rand = (): number => {
    const t0 = (state[0] = ((state[0] as number) + 0x6d2b79f5) | 0);
    let t = t0;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const n = p.names.length;
  const now = input.now.getTime();
  const start = input.start.getTime();
  const { order, depStart, deps } = p;
  const { kind, fixed, tables, known, failP, retry } = pre;
  const forcedIndex = forced ? forced.index : -1;
  const forcedEnd = forced ? forced.end : 0;
  const ends = new Float64Array(n * CHUNK);
  const viaEdge = new Int32Array(n * CHUNK);
  const ready = new Float64Array(CHUNK);
  const lastEnd = new Float64Array(CHUNK);
  const last = new Int32Array(CHUNK);
  const finish = new Float64Array(samples);
  const onPath = new Uint32Array(n);
  const lastCount = new Uint32Array(n);
  const edgeCount = new Uint32Array(deps.length);
  for (let from = 0; from < samples; from += CHUNK) {
    const c = Math.min(CHUNK, samples - from);
    lastEnd.fill(-Infinity);
    for (let k = 0; k < n; k++) {
      const i = order[k] as number;
      const row = i * CHUNK;
      ready.fill(start, 0, c);
      viaEdge.fill(-1, row, row + c);
      for (let e = depStart[i] as number, stop = depStart[i + 1] as number; e < stop; e++) {
        const drow = (deps[e] as number) * CHUNK;
        for (let s = 0; s < c; s++) {
          const v = ends[drow + s] as number;
          if (v > (ready[s] as number)) { ready[s] = v; viaEdge[row + s] = e; }
        }
      }
      const kd = kind[i] as number;
      const base = i * QUANTILES;
      const fp = failP[i] as number;
      const rt = retry[i] as number;
      for (let s = 0; s < c; s++) {
        const r0 = ready[s] as number;
        let t: number;
        if (i === forcedIndex) t = forcedEnd > r0 ? forcedEnd : r0;
        else if (kd === 0) t = fixed[i] as number;
        else {
          if (kd === 1) t = now + (known[i] ? residual(tables.subarray(base, base + QUANTILES), Math.max(0, now - (fixed[i] as number)), rand(), rand()) : 600_000);
          else t = (kd === 2 ? Math.max(now, (fixed[i] as number) + rt) : r0 > now ? r0 : now) + draw(tables, base, rand());
          // Later attempts may fail too: each failure costs part of a run, a retry delay and a new run.
          for (let a = 0; a < 3 && rand() < fp; a++) t += draw(tables, base, rand()) * rand() + rt + draw(tables, base, rand());
        }
        ends[row + s] = t;
        if (t > (lastEnd[s] as number)) { lastEnd[s] = t; last[s] = i; }
      }
    }
    for (let s = 0; s < c; s++) {
      finish[from + s] = lastEnd[s] as number;
      let i = last[s] as number;
      lastCount[i] = (lastCount[i] as number) + 1;
      while (i >= 0) {
        onPath[i] = (onPath[i] as number) + 1;
        const e = viaEdge[i * CHUNK + s] as number;
        if (e < 0) break;
        edgeCount[e] = (edgeCount[e] as number) + 1;
        i = deps[e] as number;
      }
    }
  }
  return { finish, onPath, path: commonestPath(p, lastCount, edgeCount) };
}

/** Follows the most frequent final job back along its most frequent upstream at each step. */
function commonestPath(p: Plan, lastCount: Uint32Array, edgeCount: Uint32Array): number[] {
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
