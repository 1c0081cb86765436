import { quantileSorted } from 'simple-statistics';

/** One past attempt of a job, as the run history has it. */
export interface AttemptSample {
  startedAt: Date;
  durationMs: number;
  failed: boolean;
}

/** How much a model can be trusted: enough history, some, or a fallback guess. */
export type Confidence = 'high' | 'medium' | 'low';

/**
 * What Medic expects of a job: its run-time distribution as a quantile table (recency- and
 * weekday-weighted), how often an attempt fails, and how long until a retry starts.
 */
export interface JobModel {
  /** `QUANTILES` quantiles of a successful attempt's duration, in ms, ascending. */
  table: Float64Array;
  failureRate: number;
  retryDelayMs: number;
  /** `QUANTILES` quantiles of the wait from inputs ready to start, when history shows one worth drawing. */
  startDelay?: Float64Array;
  medianMs: number;
  samples: number;
  confidence: Confidence;
}

export interface ModelOptions {
  /** Weekday of the instance being forecast (1 = Monday); same-weekday runs weigh double. */
  weekday?: number;
  /**
   * UTC hour the job is expected to run at; runs that started within an hour of it weigh double
   * (load on shared systems follows the clock). Neutral for a job that always runs at one hour.
   */
  hour?: number;
  /** Past waits from inputs ready to start, in ms; a table is kept when the 90th percentile passes 30 s. */
  startDelaysMs?: number[];
  /** Runs after which a run's weight halves. @defaultValue 20 */
  halfLifeRuns?: number;
  /** Past waits between a failed attempt and its retry, in ms; their median is the retry delay. */
  retryDelaysMs?: number[];
  /** Delay before a retry when history shows fewer than two. @defaultValue 5 min */
  retryDelayMs?: number;
}

// 64 quantiles: the simulation reads one table per job and sample, and 1,000 jobs' tables must
// stay in cache (as 32-bit floats, 256 KB); interpolation between them keeps draws continuous.
const TABLE = 64;

/** A quantile table from weighted samples (sorted by value). */
function weightedTable(values: number[], weights: number[]): Float64Array {
  const order = values.map((v, i) => [v, weights[i] ?? 0] as const).sort((a, b) => a[0] - b[0]);
  const total = order.reduce((s, [, w]) => s + w, 0);
  const table = new Float64Array(TABLE);
  let acc = 0;
  let j = 0;
  for (let q = 0; q < TABLE; q++) {
    const target = ((q + 0.5) / TABLE) * total;
    while (j < order.length - 1 && acc + (order[j]?.[1] ?? 0) < target) acc += order[j++]?.[1] ?? 0;
    table[q] = order[j]?.[0] ?? 0;
  }
  return table;
}

/** A lognormal table around `median`, for jobs with too little history to trust. */
function lognormalTable(median: number, sigma: number): Float64Array {
  const table = new Float64Array(TABLE);
  for (let q = 0; q < TABLE; q++) table[q] = median * Math.exp(sigma * probit((q + 0.5) / TABLE));
  return table;
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error below 1.2e-9). */
function probit(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const poly = (k: number[], x: number) => k.reduce((s, v) => s * x + v, 0);
  if (p < 0.02425) { const q = Math.sqrt(-2 * Math.log(p)); return poly(c, q) / (poly(d, q) * q + 1); }
  if (p > 1 - 0.02425) { const q = Math.sqrt(-2 * Math.log(1 - p)); return -poly(c, q) / (poly(d, q) * q + 1); }
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}

/**
 * Learns a job's model from its attempts (oldest first). Recent runs weigh more, runs on the same
 * weekday weigh double, durations beyond 20× the median are dropped as broken records, and a
 * short history falls back to a wide lognormal around what little is known.
 */
export function buildJobModel(history: AttemptSample[], options: ModelOptions = {}): JobModel {
  const ok = history.filter((a) => !a.failed && a.durationMs > 0);
  const failureRate = (history.filter((a) => a.failed).length + 0.5) / (history.length + 10);
  const retryDelays = [...(options.retryDelaysMs ?? [])].sort((x, y) => x - y);
  const retryDelayMs = retryDelays.length >= 2 ? quantileSorted(retryDelays, 0.5) : options.retryDelayMs ?? 5 * 60_000;
  if (ok.length < 5) {
    const sorted = ok.map((a) => a.durationMs).sort((x, y) => x - y);
    const median = sorted.length ? quantileSorted(sorted, 0.5) : 10 * 60_000;
    const startDelay = delayTable(options.startDelaysMs ?? []);
    return {
      table: lognormalTable(median, sorted.length ? 0.5 : 1), failureRate, retryDelayMs, medianMs: median, samples: ok.length, confidence: 'low',
      ...(startDelay ? { startDelay } : {}),
    };
  }
  const sorted = ok.map((a) => a.durationMs).sort((x, y) => x - y);
  const median = quantileSorted(sorted, 0.5);
  const kept = ok.filter((a) => a.durationMs <= median * 20);
  const halfLife = options.halfLifeRuns ?? 20;
  const weights = kept.map((a, i) => 0.5 ** ((kept.length - 1 - i) / halfLife) * seasonWeight(a.startedAt, options));
  const startDelay = delayTable(options.startDelaysMs ?? []);
  return {
    table: weightedTable(kept.map((a) => a.durationMs), weights),
    failureRate, retryDelayMs, medianMs: median, samples: kept.length,
    confidence: kept.length >= 20 ? 'high' : 'medium',
    ...(startDelay ? { startDelay } : {}),
  };
}

/** Double weight for a run on the instance's weekday, and again for one within an hour of its hour. */
function seasonWeight(startedAt: Date, options: ModelOptions): number {
  const day = options.weekday !== undefined && weekdayOf(startedAt) === options.weekday ? 2 : 1;
  if (options.hour === undefined) return day;
  const apart = Math.abs(startedAt.getUTCHours() - options.hour);
  return day * (Math.min(apart, 24 - apart) <= 1 ? 2 : 1);
}

/** A start-delay table, or none when the job starts as soon as its inputs are ready (p90 under 30 s). */
function delayTable(delays: number[]): Float64Array | undefined {
  if (delays.length < 3) return undefined;
  const sorted = [...delays].sort((x, y) => x - y);
  if (quantileSorted(sorted, 0.9) < 30_000) return undefined;
  return weightedTable(sorted, sorted.map(() => 1));
}

function weekdayOf(d: Date): number {
  const day = d.getUTCDay();
  return day === 0 ? 7 : day;
}

/**
 * A remaining duration for an attempt that has run `elapsedMs` already: drawn from the part of
 * the distribution beyond what has elapsed; past the whole table, a quarter more is expected.
 */
export function residual(table: ArrayLike<number>, elapsedMs: number, u: number, v: number): number {
  let lo = 0;
  while (lo < TABLE && (table[lo] ?? 0) <= elapsedMs) lo++;
  if (lo >= TABLE - 2) return elapsedMs * -Math.log(1 - v) * 0.25;
  const i = lo + Math.floor(u * (TABLE - lo));
  return (table[Math.min(i, TABLE - 1)] ?? 0) - elapsedMs;
}

export const QUANTILES = TABLE;
