import { QUANTILES } from './model.ts';
import type { ForecastInput } from './forecast-types.ts';
import type { Plan } from './plan.ts';

/**
 * Per-job inputs of the simulation as flat arrays (kind, fixed times, tables, failure, retry).
 * Times are seconds after the instance start and durations seconds, as 32-bit floats: half the
 * memory traffic of milliseconds as doubles, and a quarter-second resolution a month out.
 */
export interface Prepared {
  /** The instance start, in ms since the epoch: time zero of every other field. */
  origin: number;
  kind: Int8Array; // 0 done, 1 running, 2 failed, 3 pending
  fixed: Float32Array; // done: end; running: start; failed: end of the failed attempt
  /** Every job's run-time quantile table end to end (`QUANTILES` per job); `known` says which are learned. */
  tables: Float32Array;
  /** The same tables resampled to `FINE` equal steps, so that a draw is one lookup. */
  fine: Float32Array;
  known: Uint8Array;
  /** Start-delay quantile tables (time from inputs ready to start), for the jobs whose `delayed` is 1. */
  delays: Float32Array;
  delayed: Uint8Array;
  failP: Float64Array;
  retry: Float32Array;
}

// A module-level copy: an imported binding is read through a getter once compiled, and the hot
// loops read it per draw.
export const Q = QUANTILES;

/** Steps of a fine table: 1,024, indexed by a draw's top ten bits; a job's table (4 KB) stays in L1. */
export const FINE = 1_024;
export const FINE_SHIFT = 22;

const KIND = { done: 0, running: 1, failed: 2, pending: 3 } as const;
/** What Medic assumes of a job it has no history for: ten minutes. */
export const UNKNOWN_S = 600;
export const secs = (ms: number) => ms / 1000;

/** The simulation's per-job inputs, from the forecast input and the plan. */
export function prepare(input: ForecastInput, p: Plan): Prepared {
  const n = p.names.length;
  const origin = input.start.getTime();
  const out: Prepared = {
    origin, kind: new Int8Array(n), fixed: new Float32Array(n), tables: new Float32Array(n * Q), fine: new Float32Array(n * FINE), known: new Uint8Array(n),
    delays: new Float32Array(n * Q), delayed: new Uint8Array(n), failP: new Float64Array(n), retry: new Float32Array(n),
  };
  p.names.forEach((name, i) => {
    const st = input.states.get(name) ?? { kind: 'pending' as const };
    const m = input.models.get(name);
    out.kind[i] = KIND[st.kind];
    out.fixed[i] = Math.max(0, secs((st.kind === 'done' || st.kind === 'failed' ? st.endedAt.getTime() : st.kind === 'running' ? st.startedAt.getTime() : origin) - origin));
    if (m) {
      for (let k = 0; k < Q; k++) out.tables[i * Q + k] = secs(m.table[k] as number);
      out.known[i] = 1;
      if (m.startDelay) {
        for (let k = 0; k < Q; k++) out.delays[i * Q + k] = secs(m.startDelay[k] as number);
        out.delayed[i] = 1;
      }
    } else out.tables.fill(UNKNOWN_S, i * Q, (i + 1) * Q);
    resample(out.tables, i * Q, out.fine, i * FINE);
    out.failP[i] = m?.failureRate ?? 0.05;
    out.retry[i] = secs(m?.retryDelayMs ?? 300_000);
  });
  return out;
}

/** Fills a fine table from a quantile table by linear interpolation, at the middle of each step. */
export function resample(tables: Float32Array, base: number, fine: Float32Array, at: number): void {
  const scale = (Q - 1) / FINE;
  for (let k = 0; k < FINE; k++) {
    const x = (k + 0.5) * scale;
    const q = x | 0;
    const lo = tables[base + q] as number;
    fine[at + k] = lo + ((tables[base + q + 1] as number) - lo) * (x - q);
  }
}

/** A value drawn from a quantile table, interpolating between neighbouring quantiles. */
export function draw(tables: Float32Array, base: number, u: number): number {
  const x = u * (Q - 1);
  const k = x | 0;
  const lo = tables[base + k] as number;
  return lo + ((tables[base + k + 1] as number) - lo) * (x - k);
}

