/**
 * The origin analysis's options, chosen leave one world out: for each world, the grid point that
 * scores best on the other worlds' traces (the shipped defaults on a tie) answers its cases. The
 * grid and the option names live here alone, beside `OriginOptions` in src/trace/anomalies.ts.
 */
import { DEFAULT_ORIGIN_OPTIONS, originOf, type OriginOptions } from '../../src/trace/origin.ts';
import type { Trace } from '../../src/trace/types.ts';
import { objective, tally, type CaseResult, type Pick } from './score.ts';

/** The values each option may take. */
export const ORIGIN_GRID: { [K in keyof OriginOptions]: readonly number[] } = {
  zLimit: [2.5, 3.5, 5],
  slowFactor: [1.25, 1.5, 2],
  minLateMinutes: [5, 10, 20],
  minSizeShift: [0.1, 0.2, 0.25, 0.3, 0.4],
};

function gridPoints(): OriginOptions[] {
  let points: Record<string, number>[] = [{}];
  for (const [name, values] of Object.entries(ORIGIN_GRID) as [string, readonly number[]][]) {
    points = points.flatMap((p) => values.map((v) => ({ ...p, [name]: v })));
  }
  return points.map((p) => ({ ...DEFAULT_ORIGIN_OPTIONS, ...p }));
}

const same = (a: OriginOptions, b: OriginOptions) => (Object.keys(ORIGIN_GRID) as (keyof OriginOptions)[]).every((k) => a[k] === b[k]);

export const describe = (o: OriginOptions) => (Object.keys(ORIGIN_GRID) as (keyof OriginOptions)[]).map((k) => `${k}=${o[k]}`).join(' ');

const pickOf = (t: Trace, o: OriginOptions): Pick => {
  const r = originOf(t, o);
  return { origin: r.origin?.job ?? null, ranked: r.candidates.map((c) => c.job), anomalies: r.origin?.anomalies ?? [] };
};

export interface LooOutcome {
  /** Per world, the options chosen without it. */
  chosen: Map<string, OriginOptions>;
  /** What the options chosen on every world would be (for the record, not scored). */
  onAll: OriginOptions;
  /** Grid points tried. */
  points: number;
}

/**
 * Answers every case with options chosen without its world; `traces` holds each case's trace
 * (cases without one keep no answer). Sets `loo` on the cases.
 */
export function leaveOneWorldOut(cases: CaseResult[], traces: Map<CaseResult, Trace>): LooOutcome {
  const points = gridPoints();
  if (!points.some((p) => same(p, DEFAULT_ORIGIN_OPTIONS))) points.unshift({ ...DEFAULT_ORIGIN_OPTIONS });
  const answers = points.map((o) => new Map([...traces].map(([c, t]) => [c, pickOf(t, o)])));
  const best = (train: CaseResult[]): number => {
    let bestIndex = points.findIndex((p) => same(p, DEFAULT_ORIGIN_OPTIONS));
    let bestValue = objective(tally(train, (c) => answers[bestIndex]?.get(c) ?? null));
    answers.forEach((a, k) => {
      const v = objective(tally(train, (c) => a.get(c) ?? null));
      if (v > bestValue + 1e-9) [bestIndex, bestValue] = [k, v];
    });
    return bestIndex;
  };
  const chosen = new Map<string, OriginOptions>();
  for (const world of new Set(cases.map((c) => c.world))) {
    const k = best(cases.filter((c) => c.world !== world));
    chosen.set(world, points[k] as OriginOptions);
    for (const c of cases.filter((x) => x.world === world)) c.loo = answers[k]?.get(c) ?? null;
  }
  return { chosen, onAll: points[best(cases)] as OriginOptions, points: points.length };
}
