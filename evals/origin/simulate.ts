/**
 * One day of a world: the day's noise is drawn first (run-time variation, queueing, failures a
 * retry recovers, volume noise), then the injected faults are applied and the jobs are run in
 * order. Times are minutes after the instance start.
 */
import type { Random } from '../../src/demo/random.ts';
import { jobOf, type Format, type World, type WorldJob } from './world.ts';

/** What the day does to one job before any fault: its noise. */
export interface Draw {
  /** Its run time's standard-normal draw (the duration is `median · e^(σ·z)`). */
  z: number;
  queueMin: number;
  /** A failure its first attempt meets and a retry recovers: how far into the run, as a share. */
  transientAt: number | null;
  /** A clock consumer's start, seconds after its clock. */
  jitterS: number;
  rowsNoise: number;
  /** How far into each attempt a failure comes, should the job fail for good. */
  failAt: number[];
}

/** A fault injected into a day. */
export type Injection =
  | { kind: 'fail'; job: string; cascade: string[] } // fails for good; `cascade` run anyway and fail too
  | { kind: 'slow'; job: string; factor: number }
  | { kind: 'partial'; job: string; share: number }
  | { kind: 'clock'; job: string; startMin: number } // a consumer's clock fired at another minute
  | { kind: 'high'; job: string; z: number }; // a run time near the top of its usual range

export interface Attempt {
  start: number;
  end: number;
  failed: boolean;
  cause: 'transient' | 'fault' | 'inherited' | null;
}

export interface JobRun {
  attempts: Attempt[];
  failed: boolean;
  /** The rows its last attempt wrote (0 when it failed). */
  rows: number;
  /** It started before its input's writer finished and read the older version. */
  stale: boolean;
}

export interface DayRun {
  runs: Map<string, JobRun>;
  /** When the last job ended, when every job completed; else null. */
  finish: number | null;
  /** Consumers that read a stale input. */
  races: string[];
}

/** The most attempts a job gets and the wait before a retry, as each orchestrator is usually set up. */
export const RETRIES: Record<Format, { tries: number; delayMin: number }> = {
  openlineage: { tries: 3, delayMin: 5 },
  generic: { tries: 3, delayMin: 2 },
  argo: { tries: 3, delayMin: 0.5 },
  controlm: { tries: 2, delayMin: 3 },
};

const normal = (r: Random) => Math.log(r.lognormal(1, 1));

export function drawDay(world: World, r: Random): Map<string, Draw> {
  const out = new Map<string, Draw>();
  for (const id of world.order) {
    const j = jobOf(world, id);
    out.set(id, {
      z: normal(r), queueMin: Math.min(8, r.lognormal(1, 0.7)), transientAt: r.chance(j.flakyP) ? 0.1 + 0.8 * r.next() : null,
      jitterS: r.int(0, 60), rowsNoise: 1 + 0.2 * (r.next() - 0.5), failAt: [0.2 + 0.7 * r.next(), 0.2 + 0.7 * r.next(), 0.2 + 0.7 * r.next()],
    });
  }
  return out;
}

/** Monday carries the weekend's volume; weekends are light. */
export function weekdayFactor(slot: Date): number {
  const d = slot.getUTCDay();
  return d === 1 ? 1.3 : d === 0 || d === 6 ? 0.6 : 1;
}

function attemptsOf(j: WorldJob, start: number, durMin: number, d: Draw, fault: 'fault' | 'inherited' | null): Attempt[] {
  const { tries, delayMin } = RETRIES[j.format];
  const out: Attempt[] = [];
  let t = start;
  if (fault) {
    for (let k = 0; k < tries; k++) {
      const share = fault === 'inherited' ? 0.05 + 0.2 * (d.failAt[k] ?? 0.5) : (d.failAt[k] ?? 0.5);
      out.push({ start: t, end: t + durMin * share, failed: true, cause: fault });
      t += durMin * share + delayMin;
    }
    return out;
  }
  if (d.transientAt !== null) {
    out.push({ start: t, end: t + durMin * d.transientAt, failed: true, cause: 'transient' });
    t += durMin * d.transientAt + delayMin;
  }
  out.push({ start: t, end: t + durMin, failed: false, cause: null });
  return out;
}

/** Runs the day: `prevRows` holds each dataset's rows as of yesterday (for a stale read). */
export function simulate(world: World, draws: Map<string, Draw>, injections: readonly Injection[], slot: Date, prevRows: ReadonlyMap<string, number>): DayRun {
  const on = <K extends Injection['kind']>(kind: K, id: string) => injections.find((i): i is Extract<Injection, { kind: K }> => i.kind === kind && i.job === id);
  const cascade = new Set(injections.flatMap((i) => (i.kind === 'fail' ? i.cascade : [])));
  const runs = new Map<string, JobRun>();
  const races: string[] = [];
  for (const id of world.order) {
    const j = jobOf(world, id);
    const d = draws.get(id) as Draw;
    const parents = j.parents.map((p) => runs.get(p));
    let start: number;
    let stale = false;
    const endOf = (p: JobRun | undefined) => (p && !p.failed ? (p.attempts.at(-1) as Attempt).end : Infinity);
    if (j.clockMin !== null) {
      start = (on('clock', id)?.startMin ?? j.clockMin) + d.jitterS / 60;
      stale = parents.some((p) => start < endOf(p));
    } else {
      if (parents.some((p) => p === undefined)) continue;
      if (parents.some((p) => p?.failed) && !cascade.has(id)) continue;
      start = Math.max(0, ...parents.map((p) => (p?.attempts.at(-1) as Attempt).end)) + d.queueMin;
    }
    const z = on('high', id)?.z ?? d.z;
    const dur = j.medianMin * Math.exp(j.sigma * z) * (on('slow', id)?.factor ?? 1);
    const fault = on('fail', id) ? 'fault' : cascade.has(id) ? 'inherited' : null;
    const attempts = attemptsOf(j, start, dur, d, fault);
    // An input not yet written when the run started is read as it was yesterday.
    const inputRows = j.parents.map((p) => (start < endOf(runs.get(p)) ? prevRows.get(p) ?? 0 : runs.get(p)?.rows ?? 0));
    const rows = j.rows.kind === 'base'
      ? j.rows.rows * weekdayFactor(slot) * (on('partial', id)?.share ?? 1)
      : j.rows.ratio * (inputRows.reduce((a, b) => a + b, 0) / Math.max(1, inputRows.length));
    // A source's volume varies ±10 % a day; a transform's follows its inputs, with little of its own.
    const noise = j.rows.kind === 'base' ? d.rowsNoise : 1 + (d.rowsNoise - 1) / 5;
    runs.set(id, { attempts, failed: fault !== null, rows: fault ? 0 : Math.round(rows * noise), stale });
    if (stale) races.push(id);
  }
  const all = world.order.map((id) => runs.get(id));
  const finish = all.every((r) => r && !r.failed) ? Math.max(...all.map((r) => (r?.attempts.at(-1) as Attempt).end)) : null;
  return { runs, finish, races };
}

/**
 * The chain of jobs that set when `from` ended (by default the job that ended last): back through
 * the parent each waited for longest, to a root or a consumer on a clock.
 */
export function criticalPath(world: World, day: DayRun, from?: string): string[] {
  const ends = [...day.runs].map(([id, r]) => [id, (r.attempts.at(-1) as Attempt).end] as const).sort((a, b) => b[1] - a[1]);
  const path: string[] = [];
  let at = from ?? ends[0]?.[0];
  while (at !== undefined) {
    path.push(at);
    const j = jobOf(world, at);
    if (j.clockMin !== null) break;
    at = j.parents.map((p) => [p, (day.runs.get(p)?.attempts.at(-1) as Attempt).end] as const).sort((a, b) => b[1] - a[1])[0]?.[0];
  }
  return path;
}
