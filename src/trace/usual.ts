import { median, medianAbsoluteDeviation, quantileSorted } from 'simple-statistics';
import type { RunRow } from '../sla/instance-sql.ts';
import type { PastInstance } from '../sla/past-instances.ts';
import type { TraceJob, Usual } from './types.ts';

/** Past instances needed before a job's usual times are given. */
export const MIN_INSTANCES = 3;

const MIN = 60_000;

/** The usual value of a sample, in minutes; undefined when it is too small. */
export function usualOf(xs: number[]): Usual | undefined {
  if (xs.length < MIN_INSTANCES) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return { p50: round(median(sorted)), p90: round(quantileSorted(sorted, 0.9)), mad: round(medianAbsoluteDeviation(sorted)) };
}

/** A run's start and end as minutes after its instance's start; null where it has none. */
export function offsets(r: Pick<RunRow, 'started_at' | 'ended_at'>, start: number): { start: number | null; end: number | null } {
  return {
    start: r.started_at ? (r.started_at.getTime() - start) / MIN : null,
    end: r.ended_at && r.started_at ? (r.ended_at.getTime() - start) / MIN : null,
  };
}

/**
 * Each job's usual start, end and duration over the past instances, and how long it usually
 * waits once its inputs are ready (its upstream's latest end, or the instance start).
 */
export function usualTimes(jobs: string[], upstream: Map<string, string[]>, history: PastInstance[]): Map<string, NonNullable<TraceJob['usual']>> {
  const out = new Map<string, NonNullable<TraceJob['usual']>>();
  for (const job of jobs) {
    const starts: number[] = [];
    const ends: number[] = [];
    const durations: number[] = [];
    const waits: number[] = [];
    for (const inst of history) {
      const r = inst.runs.get(job);
      if (!r || r.state !== 'completed') continue;
      const o = offsets(r, inst.start);
      if (o.start === null || o.end === null) continue;
      starts.push(o.start);
      ends.push(o.end);
      durations.push(o.end - o.start);
      const ready = readyAt(inst, upstream.get(job) ?? []);
      if (ready !== undefined) waits.push(o.start - ready);
    }
    const start = usualOf(starts);
    const end = usualOf(ends);
    const duration = usualOf(durations);
    if (start && end && duration) out.set(job, { instances: starts.length, start, end, duration, wait: usualOf(waits) ?? null });
  }
  return out;
}

/** When an instance's inputs to a job were all there, in minutes after its start; undefined if one is missing. */
function readyAt(inst: PastInstance, ups: string[]): number | undefined {
  let ready = 0;
  for (const u of ups) {
    const r = inst.runs.get(u);
    const end = r ? offsets(r, inst.start).end : null;
    if (end === null) return undefined;
    ready = Math.max(ready, end);
  }
  return ready;
}

/** How long past instances took, start to their last job's end, in minutes. */
export function usualMakespan(history: PastInstance[]): Usual | null {
  const spans = history.flatMap((inst) => {
    const ends = [...inst.runs.values()].flatMap((r) => (r.ended_at ? [(r.ended_at.getTime() - inst.start) / MIN] : []));
    return ends.length ? [Math.max(...ends)] : [];
  });
  return usualOf(spans) ?? null;
}
