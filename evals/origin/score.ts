/**
 * How an answer scores. On a problem day top-1 is right when the named origin is one of the true
 * ones, top-3 when every true origin is among the first three candidates; on a clean day naming
 * any origin is a false origin. A baseline that names nothing is wrong on a problem day and right
 * on a clean one.
 */
import type { CaseKind } from './cases.ts';

/** An answer: the origin named (or none) and the candidates in rank order. */
export interface Pick {
  origin: string | null;
  ranked: string[];
  /** What the named origin's run did (Medic's anomalies), for reading the misses. */
  anomalies?: string[];
}

export interface CaseResult {
  world: string;
  day: number;
  kind: CaseKind;
  variant: string;
  /** The true origins, as Medic names the jobs. */
  truth: string[];
  /** Medic's answer through the API with its default options; null when it gave none. */
  medic: Pick | null;
  /** The leave-one-out answer: options chosen on the other worlds. */
  loo: Pick | null;
  firstFailed: string | null;
  latestFailed: string | null;
}

export interface Tally {
  problems: number;
  top1: number;
  top3: number;
  clean: number;
  falseOrigins: number;
}

export const isProblem = (c: CaseResult) => c.kind !== 'clean';

export function tally(cases: readonly CaseResult[], pick: (c: CaseResult) => Pick | null): Tally {
  const t: Tally = { problems: 0, top1: 0, top3: 0, clean: 0, falseOrigins: 0 };
  for (const c of cases) {
    const p = pick(c);
    if (!isProblem(c)) {
      t.clean += 1;
      if (p?.origin != null) t.falseOrigins += 1;
      continue;
    }
    t.problems += 1;
    if (p?.origin != null && c.truth.includes(p.origin)) t.top1 += 1;
    if (p && c.truth.every((x) => p.ranked.slice(0, 3).includes(x))) t.top3 += 1;
  }
  return t;
}

export const rate = (n: number, of: number) => (of === 0 ? 0 : n / of);

/** A baseline's answer: the job it names is its only candidate. */
export const baseline = (job: string | null): Pick => ({ origin: job, ranked: job === null ? [] : [job] });

/** The figure one optimises when choosing options: accuracy, with false origins weighed heavily. */
export function objective(t: Tally): number {
  return rate(t.top1, t.problems) + 0.5 * rate(t.top3, t.problems) - 3 * rate(t.falseOrigins, t.clean);
}
