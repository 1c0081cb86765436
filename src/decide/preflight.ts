import { testSize } from '../runs/completeness.ts';
import type { PreflightCheck } from './context.ts';

/**
 * Whether an input is complete, by the robust size test shared with ingest (`testSize`): short
 * holds the job. A size far over the usual does not: the input is there, and what the writer did
 * wrong is the writer's version to flag, not a reason to keep its readers from starting.
 */
export function inputCheck(dataset: string, rowCount: number | null, history: number[], unit: 'rows' | 'bytes' = 'rows'): Extract<PreflightCheck, { kind: 'input' }> {
  const base = { kind: 'input' as const, dataset, rowCount, history: history.length };
  if (rowCount === null) return { ...base, verdict: 'unknown', median: null, z: null, detail: `${dataset}: no size reported` };
  const t = testSize(rowCount, history);
  const judged = { ...base, median: t.median, z: t.z };
  const m = Math.round(t.median ?? 0);
  switch (t.verdict) {
    case 'unknown':
      return { ...judged, verdict: 'unknown', detail: `${dataset}: ${rowCount} ${unit}, too little history (${history.length}) to judge` };
    case 'short':
      return { ...judged, verdict: 'short', detail: `${dataset} holds ${rowCount} ${unit}, ${t.share} % of its usual ${m}: the input looks partial` };
    case 'large':
      return { ...judged, verdict: 'ok', detail: `${dataset}: ${rowCount} ${unit}, ${t.share} % of its usual ${m}: more than usual, which does not hold a start` };
    case 'ok':
      return { ...judged, verdict: 'ok', detail: `${dataset}: ${rowCount} ${unit}, as usual (median ${m})` };
    default: {
      const never: never = t.verdict;
      return never;
    }
  }
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
