import type { AnomalyKind, Trace, TraceDatasetVersion, TraceJob, Usual } from './types.ts';

/** What makes a run unusual; chosen by leave-one-out in `npm run eval:origin`. */
export interface OriginOptions {
  /** A modified z-score (0.6745 × (x − median) / MAD) over this marks a time as unusual. */
  zLimit: number;
  /** …and the time must also exceed this multiple of its median, so that a job that never varies is not flagged for seconds. */
  slowFactor: number;
  /** Minutes of delay that matter to a service. */
  minLateMinutes: number;
  /** How far from its usual size (as a share: 0.25 is under 75 % or over 133 %) a suspect version must be to count as bad data. */
  minSizeShift: number;
}

export const DEFAULT_ORIGIN_OPTIONS: OriginOptions = { zLimit: 3.5, slowFactor: 1.5, minLateMinutes: 10, minSizeShift: 0.25 };

/** One run's anomalies, with a sentence of evidence for each. */
export interface JobFacts {
  job: TraceJob;
  anomalies: Map<AnomalyKind, string>;
  /** The upstream jobs whose output it did not wait for. */
  unwaited: string[];
}

/** Modified z-score of `x` against a usual value; infinite when the usual never varies and `x` differs. */
export function modifiedZ(x: number, u: Usual): number {
  if (u.mad > 0) return (0.6745 * (x - u.p50)) / u.mad;
  return x === u.p50 ? 0 : x > u.p50 ? Infinity : -Infinity;
}

/** Whether `x` is unusually high against `u`: by the robust test, by the factor, and by enough minutes. */
export function unusuallyHigh(x: number, u: Usual, o: OriginOptions, minMinutes = 0): boolean {
  return modifiedZ(x, u) > o.zLimit && x > u.p50 * o.slowFactor && x - u.p50 >= minMinutes;
}

const min = (x: number) => `${Math.round(x)} min`;

/** Each run's anomalies: failed, retried, slow, started late, wrote suspect data, did not wait for its input. */
export function anomaliesOf(trace: Trace, upstream: Map<string, string[]>, o: OriginOptions): Map<string, JobFacts> {
  const byName = new Map(trace.jobs.map((j) => [j.job, j]));
  const nowMin = (Date.parse(trace.at) - Date.parse(trace.start)) / 60_000;
  const out = new Map<string, JobFacts>();
  for (const job of trace.jobs) out.set(job.job, { job, anomalies: ownAnomalies(job, upstream.get(job.job) ?? [], byName, nowMin, o), unwaited: [] });
  // Then who did not wait for whom, which over an inferred link needs the other times.
  const inferred = new Set(trace.edges.filter((e) => e.kinds.includes('inferred')).map((e) => `${e.upstream}\u0000${e.downstream}`));
  for (const f of out.values()) {
    const job = f.job;
    if (!job.run || job.startMin === null) continue;
    for (const up of upstream.get(job.job) ?? []) {
      const u = byName.get(up);
      if (!u?.run) continue;
      const before = u.endMin === null ? u.run.startedAt !== null : u.endMin > job.startMin;
      // A link inferred from timing is a guess: a start before its end counts only when one of
      // the two runs was itself unusual (this one started early; that one ended late, ran slow
      // or started late).
      const corroborated = () => startedEarly(job, o) || endedLate(u, nowMin, o) || ['slow', 'late-start'].some((k) => out.get(up)?.anomalies.has(k as AnomalyKind));
      if (before && (!inferred.has(`${up}\u0000${job.job}`) || corroborated())) f.unwaited.push(up);
    }
    for (const read of job.reads) if (read.stale && read.writer?.job && !f.unwaited.includes(read.writer.job)) f.unwaited.push(read.writer.job);
    if (f.unwaited.length > 0) f.anomalies.set('stale-input', `started at +${min(job.startMin)} before ${f.unwaited.join(', ')} had finished: it read what was there before`);
  }
  return out;
}

/** What a run did wrong by itself: failed, retried, ran slow, started late after its inputs, wrote data far from its usual size. */
function ownAnomalies(job: TraceJob, ups: string[], byName: Map<string, TraceJob>, nowMin: number, o: OriginOptions): Map<AnomalyKind, string> {
  const anomalies = new Map<AnomalyKind, string>();
  const r = job.run;
  if (!r) return anomalies;
  if (r.state === 'failed' || r.state === 'aborted') anomalies.set('failed', `${r.state} after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}${r.error ? `: ${r.error.slice(0, 200)}` : ''}`);
  else if (r.failedAttempts > 0) anomalies.set('retried', `${r.failedAttempts} failed attempt${r.failedAttempts === 1 ? '' : 's'} before it ${r.state === 'completed' ? 'completed' : 'went on'}`);
  const u = job.usual;
  const ran = job.startMin === null ? null : (job.endMin ?? nowMin) - job.startMin;
  if (u && ran !== null && unusuallyHigh(ran, u.duration, o, o.minLateMinutes / 2)) {
    anomalies.set('slow', `ran ${min(ran)}${job.endMin === null ? ' so far' : ''}, usually ${min(u.duration.p50)} (p90 ${min(u.duration.p90)})`);
  }
  const ready = readyMin(ups, byName);
  if (u?.wait && job.startMin !== null && ready !== null && unusuallyHigh(job.startMin - ready, u.wait, o, o.minLateMinutes)) {
    anomalies.set('late-start', `started ${min(job.startMin - ready)} after its inputs were ready, usually ${min(u.wait.p50)}`);
  }
  const suspect = job.writes.filter((w) => farFromUsual(w, o));
  if (suspect.length > 0) anomalies.set('partial-output', suspect.map((w) => w.assessment ?? `${w.dataset} is far from its usual size`).join('; '));
  return anomalies;
}

/** A suspect version far enough from its usual size to count: under its expected rows, or shifted by `minSizeShift`. */
export function farFromUsual(w: TraceDatasetVersion, o: OriginOptions): boolean {
  if (!w.suspect) return false;
  if (w.share === null) return true; // judged by its expected count, or without a usual size
  return w.share <= 1 - o.minSizeShift || w.share >= 1 / (1 - o.minSizeShift);
}

export function startedEarly(j: TraceJob, o: OriginOptions): boolean {
  if (!j.usual || j.startMin === null) return false;
  return modifiedZ(j.startMin, j.usual.start) < -o.zLimit && j.usual.start.p50 - j.startMin >= o.minLateMinutes;
}

/** Whether a job ended (or, still running, is already) unusually late against its usual end. */
export function endedLate(j: TraceJob, nowMin: number, o: OriginOptions): boolean {
  if (!j.usual || j.startMin === null) return false;
  const end = j.endMin ?? nowMin;
  return modifiedZ(end, j.usual.end) > o.zLimit && end - j.usual.end.p50 >= o.minLateMinutes;
}

/** When all of a job's upstream runs of the instance had ended, in minutes; the instance start without upstream; null while one has not. */
export function readyMin(ups: string[], byName: Map<string, TraceJob>): number | null {
  let ready = 0;
  for (const u of ups) {
    const j = byName.get(u);
    if (!j?.run) continue; // an upstream that did not run in this instance does not gate it
    if (j.endMin === null) return null;
    ready = Math.max(ready, j.endMin);
  }
  return ready;
}
