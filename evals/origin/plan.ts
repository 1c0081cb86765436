/**
 * A world's days in order: clean history days first, so that Medic learns usual times and sizes,
 * then evaluation days, each clean or carrying injected faults, in a shuffled order. Every day's
 * noise is drawn again until the day without its fault is clean: on time, and no consumer racing
 * its input. Same seed, same days.
 */
import { seeded, type Random } from '../../src/demo/random.ts';
import { makeCase, shuffle, type CaseKind, type DayCase } from './cases.ts';
import { drawDay, simulate, type DayRun } from './simulate.ts';
import { mix, type World } from './world.ts';

export interface PlannedDay {
  /** Days since the first. */
  index: number;
  /** The instance start. */
  slot: Date;
  phase: 'history' | 'eval';
  case: DayCase;
  run: DayRun;
  /** This day's generator, for the payloads' ids and messages. */
  r: Random;
}

export interface PlanOptions {
  seed: number;
  historyDays: number;
  /** How many evaluation days of each kind. */
  mix: Record<CaseKind, number>;
  firstDay: Date;
}

const DAY_MS = 86_400_000;

function isClean(world: World, day: DayRun): boolean {
  return day.races.length === 0 && day.finish !== null && day.finish <= world.deadlineMin;
}

/** The days of `world`; `unmade` counts evaluation days whose fault no draw could carry (they stay clean). */
export function planWorld(world: World, index: number, o: PlanOptions): { days: PlannedDay[]; unmade: number } {
  const order = shuffle((Object.entries(o.mix) as [CaseKind, number][]).flatMap(([k, n]) => Array<CaseKind>(n).fill(k)), seeded(mix(o.seed, index, 0xe7a1)));
  const prevRows = new Map<string, number>();
  const days: PlannedDay[] = [];
  let unmade = 0;
  for (let d = 0; d < o.historyDays + order.length; d++) {
    const slot = new Date(o.firstDay.getTime() + d * DAY_MS + world.slotHourUtc * 3_600_000);
    const kind = d < o.historyDays ? 'clean' : (order[d - o.historyDays] as CaseKind);
    const r = seeded(mix(o.seed, index, d, 0xda7));
    let made: { case: DayCase; run: DayRun } | undefined;
    let fallback: { case: DayCase; run: DayRun } | undefined;
    for (let tries = 0; tries < 40 && !made; tries++) {
      const draws = drawDay(world, r);
      const clean = simulate(world, draws, [], slot, prevRows);
      if (!isClean(world, clean)) continue;
      const retried = [...clean.runs.values()].some((x) => x.attempts.length > 1);
      const asClean = { case: { kind: 'clean' as const, variant: retried ? 'retried failures' : 'quiet', truth: [], injections: [] }, run: clean };
      fallback ??= asClean;
      if (kind === 'clean') made = asClean;
      else {
        const c = makeCase({ world, draws, slot, prevRows, clean, r }, kind);
        if (c) made = { case: c, run: simulate(world, draws, c.injections, slot, prevRows) };
      }
    }
    if (!made && !fallback) throw new Error(`${world.name}: no clean draw for day ${d} in 40 tries; its deadline is too tight`);
    if (!made) unmade += 1;
    const day = (made ?? fallback) as { case: DayCase; run: DayRun };
    days.push({ index: d, slot, phase: d < o.historyDays ? 'history' : 'eval', ...day, r });
    for (const [id, run] of day.run.runs) if (!run.failed) prevRows.set(id, run.rows);
  }
  return { days, unmade };
}
