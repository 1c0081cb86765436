/**
 * How the backtest scores a decision against what actually happened. Each replayed failure
 * belongs to an incident; how that incident ended (its resolution) is the truth, read per failure:
 *
 * - `retry`: the orchestrator's retry recovered this failure's own run (or a person retried it);
 * - `next_run`: the run stayed failed and a later run of the job recovered (the orchestrator's
 *   recovery of another run counts here too: retrying this run did not help);
 * - `rerun`: a person reran or cleared the run;
 * - `manual`: people fixed it some other way (manual_fix, config_change, …);
 * - `noise`: people closed it as not a real incident;
 * - `open`: unresolved, or the recorded action did not work — nothing to score against.
 */
import type { ActionKind } from './action.ts';

export const OUTCOMES = ['retry', 'next_run', 'rerun', 'manual', 'noise', 'open'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export type Verdict = 'right' | 'wrong' | 'unscored';

/** A resolution as the store keeps it. */
export interface ResolutionFacts {
  action: string;
  actor: string;
  outcome: string;
}

/** What ended the incident, as it bears on one of its failures; `runRecovered`: this failure's run completed later. */
export function outcomeOf(resolution: ResolutionFacts | null, runRecovered: boolean): Outcome {
  if (!resolution || resolution.outcome === 'failure') return 'open';
  if (resolution.outcome === 'noise') return 'noise';
  // Medic resolves an incident when its jobs complete again; which run recovered says how.
  if (resolution.actor === 'orchestrator' && (resolution.action === 'retry' || resolution.action === 'next_run')) {
    return runRecovered ? 'retry' : 'next_run';
  }
  switch (resolution.action) {
    case 'retry':
      return 'retry';
    case 'next_run':
      return 'next_run';
    case 'rerun':
    case 'clear':
    case 'rerun_from':
      return 'rerun';
    default:
      return 'manual';
  }
}

/**
 * Whether the decided action was the right call, given what ended the incident:
 *
 * - a retry is right when a retry recovered the run (or the incident was noise: nobody was
 *   bothered), wrong when only a later run or a person fixed it;
 * - a rerun is right when the run had to be re-executed (people reran it, or only the next run
 *   recovered), wrong when a plain retry was enough (a rerun waits for an approval and re-runs
 *   what had succeeded), when people fixed something else, or for noise;
 * - an escalation — notify, run_agent, hold_downstream — is right when the run stayed failed
 *   (people acted, or it waited for the next run), wrong when the orchestrator's retry recovered
 *   it anyway (a needless page) or it was noise;
 * - skip, extend_deadline and webhook change commitments history cannot judge: not scored;
 * - nothing is scored against an incident that is still open.
 */
export function verdictOf(decided: ActionKind, actual: Outcome): Verdict {
  if (actual === 'open') return 'unscored';
  switch (decided) {
    case 'retry':
      return actual === 'retry' || actual === 'noise' ? 'right' : 'wrong';
    case 'rerun':
      return actual === 'rerun' || actual === 'next_run' ? 'right' : 'wrong';
    case 'notify':
    case 'run_agent':
    case 'hold_downstream':
      return actual === 'retry' || actual === 'noise' ? 'wrong' : 'right';
    case 'skip':
    case 'extend_deadline':
    case 'webhook':
    case 'go':
    case 'hold':
      return 'unscored';
    default: {
      const never: never = decided;
      return never;
    }
  }
}

/** Decided action × actual outcome, with the agreement they add up to. */
export interface Scorecard {
  confusion: Record<string, Record<Outcome, number>>;
  right: number;
  wrong: number;
  unscored: number;
}

export function emptyScorecard(): Scorecard {
  return { confusion: {}, right: 0, wrong: 0, unscored: 0 };
}

/** Adds one scored decision; returns its verdict. */
export function score(card: Scorecard, decided: ActionKind, actual: Outcome): Verdict {
  const row = (card.confusion[decided] ??= Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>);
  row[actual] += 1;
  const v = verdictOf(decided, actual);
  card[v] += 1;
  return v;
}

/** Right out of scored, or null when nothing could be scored. */
export function agreement(card: Pick<Scorecard, 'right' | 'wrong'>): number | null {
  const scored = card.right + card.wrong;
  return scored ? card.right / scored : null;
}
