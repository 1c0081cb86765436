import { residual } from './model.ts';
import type { ForecastInput } from './forecast-types.ts';
import { nextUniform, type Generator } from './generator.ts';
import { backtrack, commonestPath } from './critical-path.ts';
import { plan, type Plan } from './plan.ts';
import * as prepared from './prepare.ts';
import { draw, prepare, secs, type Prepared } from './prepare.ts';

/**
 * The Monte Carlo itself, over flat arrays: the DAG in topological order with its dependencies in
 * CSR form, each job's state, quantile tables, failure rate and retry delay as typed arrays.
 */

export { plan, prepare, type Plan, type Prepared };

export interface Sim {
  finish: Float64Array;
  /** Each job's mean end over the first chunk of samples (ms since the epoch): what it is expected to do. */
  meanEnd: Float64Array;
  onPath: Uint32Array;
  /** The critical path most often seen, as node indices, upstream first. */
  path: number[];
}

// Module-level copies: an imported binding can be read through a getter, and the hot loops read
// these per draw.
const { Q, FINE, FINE_SHIFT, UNKNOWN_S } = prepared;

/** Samples simulated together: one job's values for a chunk sit side by side in memory. */
const CHUNK = 1_024;

/** What the retries after a first failure cost when they fail too: part of a run and a retry delay each. */
function laterFailures(g: Generator, tables: Float32Array, base: number, fp: number, rt: number): number {
  let extra = 0;
  for (let a = 0; a < 3 && nextUniform(g) < fp; a++) extra += draw(tables, base, nextUniform(g)) * nextUniform(g) + rt;
  return extra;
}

/** One simulation's working arrays, shared by the per-job steps. */
interface Run {
  p: Plan;
  pre: Prepared;
  g: Generator;
  /** Now, and the earliest a pending job can start: seconds after the instance start. */
  now: number;
  floor: number;
  forcedIndex: number;
  forcedEnd: number;
  ends: Float32Array;
  ready: Float32Array;
  /** `ends` and `ready` read as integers: for floats ≥ 0 the bit patterns order as the values do. */
  endBits: Int32Array;
  readyBits: Int32Array;
  lastEnd: Float32Array;
  last: Int32Array;
}

/**
 * Runs the Monte Carlo job by job over chunks of samples: each job's ends for a chunk are one
 * contiguous array and each job's kind is decided once per chunk rather than per sample. The work
 * is split into small functions called thousands of times, which V8 optimizes as a whole, rather
 * than one long loop it would have to optimize on the stack and throw away at every return.
 * `forced` pins one job's end, for the time to act.
 */
export function simulate(input: ForecastInput, p: Plan, pre: Prepared, samples: number, forced?: { index: number; end: number }): Sim {
  const n = p.names.length;
  // Every time is kept at or after the instance start, so that all of them are floats ≥ 0.
  const now = Math.max(0, secs(input.now.getTime() - pre.origin));
  const ends = new Float32Array(n * CHUNK);
  const ready = new Float32Array(CHUNK);
  const run: Run = {
    p, pre, g: new Int32Array([(input.seed ?? 1) | 0]), now, floor: now,
    forcedIndex: forced ? forced.index : -1, forcedEnd: forced ? Math.max(0, secs(forced.end - pre.origin)) : 0,
    ends, ready, endBits: new Int32Array(ends.buffer), readyBits: new Int32Array(ready.buffer),
    lastEnd: new Float32Array(CHUNK), last: new Int32Array(CHUNK),
  };
  const finish = new Float64Array(samples);
  const onPath = new Uint32Array(n);
  const lastCount = new Uint32Array(n);
  const edgeCount = new Uint32Array(p.deps.length);
  const meanEnd = new Float64Array(n);
  for (let from = 0; from < samples; from += CHUNK) {
    const c = Math.min(CHUNK, samples - from);
    run.lastEnd.fill(-Infinity);
    for (let k = 0; k < n; k++) step(run, p.order[k] as number, c);
    if (from === 0) for (let i = 0; i < n; i++) meanEnd[i] = pre.origin + mean(ends, i * CHUNK, c) * 1000;
    for (let s = 0; s < c; s++) {
      finish[from + s] = pre.origin + (run.lastEnd[s] as number) * 1000;
      backtrack(p, run.ends, CHUNK, s, run.last[s] as number, onPath, lastCount, edgeCount);
    }
  }
  return { finish, meanEnd, onPath, path: commonestPath(p, lastCount, edgeCount) };
}

function mean(values: Float32Array, from: number, count: number): number {
  let sum = 0;
  for (let s = 0; s < count; s++) sum += values[from + s] as number;
  return sum / count;
}

/** Draws job `i`'s end in each sample of the chunk, from where it stands and when its inputs are ready. */
function step(run: Run, i: number, c: number): void {
  const { pre, ends, ready } = run;
  const row = i * CHUNK;
  inputsReady(run.endBits, run.readyBits, run.p.deps, run.p.depStart[i] as number, run.p.depStart[i + 1] as number, c);
  const kd = i === run.forcedIndex ? -1 : (pre.kind[i] as number);
  if (kd === -1) for (let s = 0; s < c; s++) ends[row + s] = Math.max(run.forcedEnd, ready[s] as number);
  else if (kd === 0) ends.fill(pre.fixed[i] as number, row, row + c);
  else if (kd === 1) {
    running(run, i, c);
    failures(run.g, ends, row, c, pre.tables, i * Q, pre.failP[i] as number, pre.retry[i] as number, false);
  }
  else {
    const lower = kd === 2 ? Math.max(run.now, (pre.fixed[i] as number) + (pre.retry[i] as number)) : run.floor;
    if (kd === 3 && pre.delayed[i] === 1) {
      for (let s = 0; s < c; s++) ready[s] = (ready[s] as number) + draw(pre.delays, i * Q, nextUniform(run.g));
    }
    run.g[0] = pending(ends, row, ready, lower, pre.fine, i * FINE, run.g[0] as number, c);
    failures(run.g, ends, row, c, pre.tables, i * Q, pre.failP[i] as number, pre.retry[i] as number, true);
  }
  if (run.p.sink[i] === 1) {
    const { lastEnd, last } = run;
    for (let s = 0; s < c; s++) {
      const t = ends[row + s] as number;
      if (t > (lastEnd[s] as number)) { lastEnd[s] = t; last[s] = i; }
    }
  }
}

/**
 * The hot loop: a pending (or failed, awaiting its retry) job ends one drawn run time after its
 * inputs are ready, or after `lower`. The generator is inlined over a local int32 and its top ten
 * bits index the job's fine table. Returns the generator's new state.
 */
function pending(ends: Float32Array, row: number, ready: Float32Array, lower: number, fine: Float32Array, fb: number, state: number, c: number): number {
  let st = state;
  for (let s = 0; s < c; s++) {
    const r = ready[s] as number;
    st = (st + 0x6d2b79f5) | 0;
    let t = Math.imul(st ^ (st >>> 15), st | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    ends[row + s] = (r > lower ? r : lower) + (fine[fb + ((t ^ (t >>> 14)) >>> FINE_SHIFT)] as number);
  }
  return st;
}

/** A running job ends after what remains of a run that has already lasted this long. */
function running(run: Run, i: number, c: number): void {
  const { pre, ends, now } = run;
  const base = i * Q;
  const elapsed = Math.max(0, now - (pre.fixed[i] as number));
  const table = pre.tables.subarray(base, base + Q);
  for (let s = 0; s < c; s++) {
    ends[i * CHUNK + s] = now + (pre.known[i] ? residual(table, elapsed, nextUniform(run.g), nextUniform(run.g)) : UNKNOWN_S);
  }
}

/**
 * When a job's inputs are all there, per sample: the latest end of the jobs it waits for, or the
 * instance start. Works on the times' bit patterns, where a branch-free integer max replaces a
 * float comparison that the processor would mispredict half the time.
 */
function inputsReady(ends: Int32Array, ready: Int32Array, deps: Int32Array, from: number, to: number, c: number): void {
  if (from === to) { ready.fill(0, 0, c); return; }
  const first = (deps[from] as number) * CHUNK;
  ready.set(ends.subarray(first, first + c));
  for (let e = from + 1; e < to; e++) {
    const drow = (deps[e] as number) * CHUNK;
    for (let s = 0; s < c; s++) {
      const a = ready[s] as number;
      const d = a - (ends[drow + s] as number);
      ready[s] = a - (d & (d >> 31));
    }
  }
}

/**
 * Adds the cost of failure to the samples in which the attempt being drawn fails, found by
 * geometric skips (a 3 % failure rate costs 3 % of the samples, not a draw on each). The drawn
 * time stands for the attempt that succeeds, so a failed one adds what it ran before failing;
 * for a running job the drawn time is when the current attempt ends, and a failure there adds a
 * whole new run. Either way the retry waits its delay first, and may fail again.
 */
function failures(g: Generator, ends: Float32Array, row: number, c: number, tables: Float32Array, base: number, fp: number, rt: number, partial: boolean): void {
  if (!(fp > 0)) return;
  const logMiss = Math.log(1 - fp);
  for (let s = skip(g, logMiss); s < c; s += 1 + skip(g, logMiss)) {
    const lost = partial ? draw(tables, base, nextUniform(g)) * nextUniform(g) : draw(tables, base, nextUniform(g));
    ends[row + s] = (ends[row + s] as number) + lost + rt + laterFailures(g, tables, base, fp, rt);
  }
}

/** Samples that pass before the next failure, for a failure rate whose log-complement is `logMiss`. */
function skip(g: Generator, logMiss: number): number {
  return Math.floor(Math.log(1 - nextUniform(g)) / logMiss);
}
