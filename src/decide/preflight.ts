import { median, medianAbsoluteDeviation } from 'simple-statistics';
import type { PreflightCheck } from './context.ts';

/** Recent sizes needed before a short input can be told from normal variation. */
export const MIN_HISTORY = 5;

/**
 * Whether an input is complete, by a robust anomaly test on its row count against the dataset's
 * recent sizes: the modified z-score (Iglewicz and Hoaglin: 0.6745 × (x − median) / MAD) under
 * −3.5 flags an outlier, and the drop must also matter (at least 10 % under the median), so that
 * a dataset that never varies does not hold a job over a handful of rows. A count under half the
 * median is short whatever the spread.
 */
export function inputCheck(dataset: string, rowCount: number | null, history: number[], unit: 'rows' | 'bytes' = 'rows'): Extract<PreflightCheck, { kind: 'input' }> {
  const base = { kind: 'input' as const, dataset, rowCount, history: history.length };
  if (rowCount === null) return { ...base, verdict: 'unknown', median: null, z: null, detail: `${dataset}: no size reported` };
  if (history.length < MIN_HISTORY) return { ...base, verdict: 'unknown', median: null, z: null, detail: `${dataset}: ${rowCount} ${unit}, too little history (${history.length}) to judge` };
  const m = median(history);
  const mad = medianAbsoluteDeviation(history);
  const z = mad > 0 ? (0.6745 * (rowCount - m)) / mad : rowCount === m ? 0 : (rowCount < m ? -Infinity : Infinity);
  const short = (z < -3.5 && rowCount < 0.9 * m) || rowCount < 0.5 * m;
  const share = m > 0 ? Math.round((rowCount / m) * 100) : 100;
  return {
    ...base, median: m, z: Number.isFinite(z) ? Math.round(z * 100) / 100 : z < 0 ? -99 : 99, verdict: short ? 'short' : 'ok',
    detail: short
      ? `${dataset} holds ${rowCount} ${unit}, ${share} % of its usual ${Math.round(m)}: the input looks partial`
      : `${dataset}: ${rowCount} ${unit}, as usual (median ${Math.round(m)})`,
  };
}

/** A job's upstream as the store knows it: its latest run, and when the job itself last started. */
export interface UpstreamState {
  job: string;
  state: string | null;
  endedAt: Date | null;
  /** The latest end of a completed run. */
  lastSuccessAt: Date | null;
}

/**
 * Whether an upstream job is healthy for this start: failed or still running is not; neither is
 * one that has not completed since the job's own previous start, whose output is then stale.
 */
export function upstreamCheck(u: UpstreamState, previousStart: Date | null): Extract<PreflightCheck, { kind: 'upstream' }> {
  const base = { kind: 'upstream' as const, job: u.job };
  if (u.state === 'failed' || u.state === 'aborted') return { ...base, verdict: 'failed', detail: `upstream ${u.job} failed${u.endedAt ? ` at ${u.endedAt.toISOString()}` : ''}` };
  if (u.state === 'started' || u.state === 'running' || u.state === 'queued' || u.state === 'retrying') {
    return { ...base, verdict: 'running', detail: `upstream ${u.job} is still ${u.state}` };
  }
  if (previousStart && u.lastSuccessAt && u.lastSuccessAt < previousStart) {
    return { ...base, verdict: 'stale', detail: `upstream ${u.job} last completed at ${u.lastSuccessAt.toISOString()}, before this job's previous start: its output is stale` };
  }
  return { ...base, verdict: 'ok', detail: `upstream ${u.job} ${u.lastSuccessAt ? `completed at ${u.lastSuccessAt.toISOString()}` : 'is fine'}` };
}
