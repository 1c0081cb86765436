/** The rules of verification, pure: how long an executed action is watched, and what Medic learns from it. */

/** Job runs an action gets to show its effect: a retry needs one run, a slow start or a queue more. */
export const RUNS_TO_VERIFY = 3;

/**
 * Until when Medic watches the target after an execution: the configured window, or three of
 * the job's median runs when those take longer.
 */
export function verifyDeadlineOf(executedAt: Date, windowMs: number, jobMedianMs: number | null): Date {
  return new Date(executedAt.getTime() + Math.max(windowMs, RUNS_TO_VERIFY * (jobMedianMs ?? 0)));
}

/** What the next attempt of the target says about the action. */
export type Verdict = 'succeeded' | 'failed';

/** Completed means the action worked; failed or aborted, that it did not. */
export function verdictOf(state: string): Verdict | undefined {
  if (state === 'completed') return 'succeeded';
  if (state === 'failed' || state === 'aborted') return 'failed';
  return undefined;
}
