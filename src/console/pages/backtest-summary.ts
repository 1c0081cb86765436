/**
 * What the console keeps of a backtest: the report's counts, and per policy what it would have
 * decided and how that compares with how each incident ended. The replayed decisions themselves
 * (one per failure) are not kept: a month of a large store holds tens of thousands.
 */
import { backtest, type BacktestReport } from '../../policies/backtest.ts';
import type { Outcome, Verdict } from '../../policies/backtest-score.ts';
import type { Queryable } from '../../db/pool.ts';
import type { PolicySet } from '../../policies/load.ts';

/** How many days of failures the console's backtest replays. @defaultValue 30 */
export const BACKTEST_DAYS = 30;

/** One policy's share of a backtest. */
export interface PolicyFigures {
  /** Failures it would have decided (the first policy to match wins them). */
  decisions: number;
  byAction: Record<string, number>;
  /** Decisions that would have waited for an approval. */
  approvals: number;
  /** Decisions where a guardrail replaced its action, by guardrail. */
  guardrails: Record<string, number>;
  /** How the incidents of its decisions ended; `open` when they have not (or the fix failed). */
  outcomes: Partial<Record<Outcome, number>>;
  verdicts: Record<Verdict, number>;
  first: Date | null;
  last: Date | null;
}

/** A backtest as the console shows it. */
export interface BacktestSummary extends Omit<BacktestReport, 'decisions' | 'scorecard'> {
  scorecard: Record<Verdict, number>;
  /** By policy id; `(no policy)` for failures no policy matched. */
  perPolicy: Record<string, PolicyFigures>;
  /** How long the backtest took. */
  tookMs: number;
}

const bump = <K extends string>(r: Partial<Record<K, number>>, k: K) => { r[k] = (r[k] ?? 0) + 1; };

/** The summary of a report. Pure. */
export function summarize(r: BacktestReport, tookMs: number): BacktestSummary {
  const perPolicy: Record<string, PolicyFigures> = {};
  for (const d of r.decisions) {
    const id = d.policy_id ?? '(no policy)';
    const p = (perPolicy[id] ??= { decisions: 0, byAction: {}, approvals: 0, guardrails: {}, outcomes: {}, verdicts: { right: 0, wrong: 0, unscored: 0 }, first: null, last: null });
    p.decisions += 1;
    bump(p.byAction, d.action);
    if (d.requires_approval) p.approvals += 1;
    if (d.guardrail) bump(p.guardrails, d.guardrail);
    bump(p.outcomes, d.actual);
    p.verdicts[d.verdict] += 1;
    p.first ??= d.failed_at;
    p.last = d.failed_at;
  }
  const { decisions: _decisions, scorecard, ...rest } = r;
  return { ...rest, scorecard: { right: scorecard.right, wrong: scorecard.wrong, unscored: scorecard.unscored }, perPolicy, tookMs };
}

/** Replays the last `BACKTEST_DAYS` days of failures before `now` through `set`, and summarizes it. */
export async function backtestSummary(db: Queryable, set: PolicySet, now: Date): Promise<BacktestSummary> {
  const started = performance.now();
  const report = await backtest(db, set, new Date(now.getTime() - BACKTEST_DAYS * 86_400_000));
  return summarize(report, Math.round(performance.now() - started));
}
