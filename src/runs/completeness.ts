/**
 * Whether a dataset's size looks complete, judged against the sizes its writers reported before:
 * the one robust test the preflight (is this input whole before a job reads it?) and ingest (is
 * this version suspect?) share. Pure: the callers read the history.
 */
import { median, medianAbsoluteDeviation } from 'simple-statistics';

/** Earlier sizes needed before an unusual size can be told from normal variation. */
export const MIN_HISTORY = 5;
/** How many of the newest earlier sizes a size is compared with. */
const BASIS_SIZE = 30;

export type SizeVerdict = 'ok' | 'short' | 'large' | 'unknown';
export type SizeUnit = 'rows' | 'bytes';

/** What the robust test says of one size against earlier ones. */
export interface SizeTest {
  verdict: SizeVerdict;
  median: number | null;
  /** The modified z-score, to two decimals; ±99 when the earlier sizes never vary. */
  z: number | null;
  /** The size as a percentage of the median, rounded. */
  share: number | null;
}

const UNKNOWN: SizeTest = { verdict: 'unknown', median: null, z: null, share: null };

/**
 * The robust anomaly test: the modified z-score (Iglewicz and Hoaglin: 0.6745 × (x − median) /
 * MAD) beyond ±3.5 flags an outlier, and the difference must also matter (10 % off the median),
 * so that a dataset that never varies is not flagged over a handful of rows. Under half the
 * median is short, and over twice the median large, whatever the spread: a doubled load is as
 * wrong as a half one. Unknown with fewer than MIN_HISTORY earlier sizes.
 */
export function testSize(value: number, history: number[]): SizeTest {
  if (history.length < MIN_HISTORY) return UNKNOWN;
  const m = median(history);
  const mad = medianAbsoluteDeviation(history);
  const z = mad > 0 ? (0.6745 * (value - m)) / mad : value === m ? 0 : (value < m ? -Infinity : Infinity);
  const short = (z < -3.5 && value < 0.9 * m) || value < 0.5 * m;
  const large = (z > 3.5 && value > 1.1 * m) || value > 2 * m;
  return {
    verdict: short ? 'short' : large ? 'large' : 'ok',
    median: m,
    z: Number.isFinite(z) ? Math.round(z * 100) / 100 : z < 0 ? -99 : 99,
    share: m > 0 ? Math.round((value / m) * 100) : 100,
  };
}

/** One size a writer reported, and when. */
export interface SizeObservation {
  rows: number | null;
  bytes: number | null;
  at: Date;
}

/** What a size is compared with: its unit, and the earlier sizes of that unit it is judged against. */
export interface SizeBasis {
  unit: SizeUnit;
  value: number | null;
  values: number[];
  /**
   * `weekday`: the same UTC weekday's sizes; `adjusted`: every recent one, brought to this
   * weekday's level by the weekly pattern the history shows; `recent`: every recent one as it is.
   */
  basis: 'weekday' | 'adjusted' | 'recent';
}

/** Sizes of one weekday needed before its level relative to the others is estimated. */
const MIN_WEEKDAY_SAMPLES = 3;

/**
 * Chooses what a size is judged against: rows when the writer reports rows, else bytes; the same
 * weekday's sizes when there are enough of them (Monday volumes are not Tuesday's); else every
 * recent size, brought to this weekday's level when the history shows this weekday apart — its
 * median over the overall median is its level, and it is used when it lies further from 1 than
 * twice the spread (MAD over median) that is left once every weekday's level is taken out, so
 * that noise is not taken for a pattern. The newest 30 at most; `history` is newest first.
 */
export function sizeBasis(current: SizeObservation, history: readonly SizeObservation[]): SizeBasis {
  const unit: SizeUnit = current.rows !== null ? 'rows' : 'bytes';
  const day = current.at.getUTCDay();
  const known = history.flatMap((h) => { const v = h[unit]; return v === null ? [] : [{ v, day: h.at.getUTCDay() }]; });
  const value = current[unit];
  const sameDay = known.filter((h) => h.day === day);
  if (sameDay.length >= MIN_HISTORY) return { unit, value, values: sameDay.slice(0, BASIS_SIZE).map((h) => h.v), basis: 'weekday' };
  const recent = known.slice(0, BASIS_SIZE);
  const w = weeklyLevels(recent);
  const own = w?.level.get(day);
  if (!w || own === undefined || Math.abs(own - 1) < 2 * w.spread) return { unit, value, values: recent.map((h) => h.v), basis: 'recent' };
  return { unit, value, values: recent.map((h) => (h.v * own) / (w.level.get(h.day) ?? 1)), basis: 'adjusted' };
}

/** Each weekday's median over the overall median, for weekdays seen often enough, and the spread left once they are taken out. */
function weeklyLevels(sizes: { v: number; day: number }[]): { level: Map<number, number>; spread: number } | undefined {
  if (sizes.length < MIN_HISTORY) return undefined;
  const overall = median(sizes.map((s) => s.v));
  if (overall <= 0) return undefined;
  const level = new Map<number, number>();
  for (let d = 0; d < 7; d++) {
    const xs = sizes.filter((s) => s.day === d).map((s) => s.v);
    if (xs.length >= MIN_WEEKDAY_SAMPLES && median(xs) > 0) level.set(d, median(xs) / overall);
  }
  if (level.size === 0) return undefined;
  const flat = sizes.map((s) => s.v / (level.get(s.day) ?? 1));
  return { level, spread: medianAbsoluteDeviation(flat) / median(flat) };
}

/** The judgment of one dataset version's size, as stored with it. */
export interface SizeAssessment extends SizeTest {
  unit: SizeUnit;
  basis: SizeBasis['basis'];
  /** How many earlier sizes it was judged against. */
  n: number;
  /** One sentence, e.g. "wrote 310,000 rows, 31 % of the usual 1,000,500 (median of the last 8 Tuesdays): looks partial". */
  detail: string;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const num = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * Judges a version's size against the versions before it (newest first), and against the row
 * count its writer expected: fewer rows than expected is short whatever the history says.
 */
export function assessSize(current: SizeObservation & { expectedRows?: number | null }, history: readonly SizeObservation[]): SizeAssessment {
  const b = sizeBasis(current, history);
  const t = b.value === null ? UNKNOWN : testSize(b.value, b.values);
  const base = { ...t, unit: b.unit, basis: b.basis, n: b.values.length };
  const expected = current.expectedRows ?? null;
  if (current.rows !== null && expected !== null && current.rows < expected) {
    // Rounded down: 9,990 of 10,000 must not read as 100 %.
    return { ...base, verdict: 'short', detail: `wrote ${num(current.rows)} of ${num(expected)} expected rows (${Math.floor((current.rows / expected) * 100)} %)` };
  }
  if (b.value === null) return { ...base, detail: 'no size reported' };
  const wrote = `wrote ${num(b.value)} ${b.unit}`;
  const over = b.basis === 'weekday' ? `the last ${b.values.length} ${WEEKDAYS[current.at.getUTCDay()] ?? ''}s`
    : b.basis === 'adjusted' ? `the last ${b.values.length} versions, at ${WEEKDAYS[current.at.getUTCDay()] ?? ''}'s level` : `the last ${b.values.length} versions`;
  const usual = t.median ?? 0;
  switch (t.verdict) {
    case 'unknown':
      return { ...base, detail: `${wrote}; too little history to judge (${b.values.length} earlier ${b.values.length === 1 ? 'version' : 'versions'})` };
    case 'ok':
      return { ...base, detail: `${wrote}, as usual (median ${num(usual)} of ${over})` };
    case 'short':
    case 'large':
      return { ...base, detail: `${wrote}, ${t.share} % of the usual ${num(usual)} (median of ${over}): ${t.verdict === 'short' ? 'looks partial' : 'far more than usual'}` };
    default: {
      const never: never = t.verdict;
      return never;
    }
  }
}

/** A version is suspect when its size is far from its history either way, or under the expected count. */
export function isSuspect(a: Pick<SizeAssessment, 'verdict'>): boolean {
  return a.verdict === 'short' || a.verdict === 'large';
}
