import { median, quantileSorted } from 'simple-statistics';

/** One instance of an upstream → downstream pair: when the input was ready, when the consumer started. */
export interface PairRun {
  upstreamEnd: number;
  downstreamStart: number;
}

/** A downstream job that starts on a clock rather than on its input, with the evidence. */
export interface TimeBuffer {
  upstream: string;
  downstream: string;
  instances: number;
  /** The consumer's usual start, minutes after midnight UTC, and how little it moves. */
  startMinute: number;
  startSpreadMin: number;
  /** How much the input's readiness moves (p90 − p10), in minutes. */
  upstreamSpreadMin: number;
  /** Runs that started before their input was ready: they ran on partial or stale data. */
  startedBeforeInput: number;
  /** The worst such gap, in minutes: how much earlier than its input the consumer started. */
  worstEarlyMin: number;
  /** Median idle time between input ready and start, in minutes: the buffer paid every day. */
  medianIdleMin: number;
}

const minuteOfDay = (t: number) => ((t % 86_400_000) + 86_400_000) % 86_400_000 / 60_000;
const MIN = 60_000;

/**
 * A pair is a time buffer when the consumer's start barely moves (spread of start times within
 * `clockToleranceMin`) while its input's readiness moves a lot (at least `minUpstreamSpreadMin`):
 * the start follows a clock, not the input.
 */
export function detectTimeBuffer(upstream: string, downstream: string, runs: PairRun[], options: { clockToleranceMin?: number; minUpstreamSpreadMin?: number; minInstances?: number } = {}): TimeBuffer | undefined {
  if (runs.length < (options.minInstances ?? 5)) return undefined;
  const starts = runs.map((r) => minuteOfDay(r.downstreamStart));
  const startMedian = median(starts);
  // Circular-safe enough for starts that do not straddle midnight; spread as the median absolute deviation.
  const startSpread = median(starts.map((s) => Math.abs(s - startMedian)));
  const gaps = runs.map((r) => (r.downstreamStart - r.upstreamEnd) / MIN);
  // The input's readiness measured against the consumer's own start day, so midnight does not wrap it.
  const ready = starts.map((s, i) => s - (gaps[i] ?? 0)).sort((a, b) => a - b);
  const upstreamSpread = quantileSorted(ready, 0.9) - quantileSorted(ready, 0.1);
  if (startSpread > (options.clockToleranceMin ?? 3) || upstreamSpread < (options.minUpstreamSpreadMin ?? 20)) return undefined;
  const early = gaps.filter((g) => g < 0);
  const idle = gaps.filter((g) => g >= 0);
  return {
    upstream, downstream, instances: runs.length,
    startMinute: Math.round(startMedian), startSpreadMin: Math.round(startSpread * 10) / 10,
    upstreamSpreadMin: Math.round(upstreamSpread),
    startedBeforeInput: early.length,
    worstEarlyMin: early.length ? Math.round(-Math.min(...early)) : 0,
    medianIdleMin: idle.length ? Math.round(median(idle)) : 0,
  };
}
