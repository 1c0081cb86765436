/**
 * The root causes injected into evaluation days, each with its truth: the job where the problem
 * began. A fault is kept only when the simulated day shows the effect it is meant to have (a slow
 * job makes the instance late, a race makes its consumer read the older version) and no other.
 */
import type { Random } from '../../src/demo/random.ts';
import { criticalPath, simulate, type Attempt, type DayRun, type Draw, type Injection } from './simulate.ts';
import { jobOf, type World } from './world.ts';

export const PROBLEM_KINDS = ['upstream-failure', 'slow', 'partial', 'clock-race', 'overlap'] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];
export type CaseKind = ProblemKind | 'clean';

/** A day's injected problem and its truth: the job ids where it began (two for an overlap). */
export interface DayCase {
  kind: CaseKind;
  variant: string;
  truth: string[];
  injections: Injection[];
}

/** What one fault is made of: its truth, the jobs it touches, and the consumer it makes read stale. */
interface Part {
  kind: Exclude<ProblemKind, 'overlap'>;
  variant: string;
  truth: string;
  involved: string[];
  race: string | null;
  injections: Injection[];
}

export interface DayContext {
  world: World;
  draws: Map<string, Draw>;
  slot: Date;
  prevRows: ReadonlyMap<string, number>;
  /** The same day without a fault. */
  clean: DayRun;
  r: Random;
}

const run = (c: DayContext, injections: Injection[]) => simulate(c.world, c.draws, injections, c.slot, c.prevRows);
const endOf = (day: DayRun, id: string) => (day.runs.get(id)?.attempts.at(-1) as Attempt | undefined)?.end ?? 0;

/** `xs` in an order drawn from `r`. */
export function shuffle<T>(xs: readonly T[], r: Random): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const k = Math.floor(r.next() * (i + 1));
    [out[i], out[k]] = [out[k] as T, out[i] as T];
  }
  return out;
}

function failure(c: DayContext, allowed: (id: string) => boolean): Part | null {
  const jobs = c.world.order.filter(allowed);
  const withChildren = jobs.filter((id) => jobOf(c.world, id).children.length > 0);
  const id = c.r.chance(0.75) && withChildren.length > 0 ? c.r.pick(withChildren) : jobs.length > 0 ? c.r.pick(jobs) : undefined;
  if (id === undefined) return null;
  const onClock = (x: string) => jobOf(c.world, x).clockMin !== null;
  const children = jobOf(c.world, id).children.filter((x) => !onClock(x));
  const cascade = children.length > 0 && c.r.chance(0.5)
    ? [...new Set([...children, ...(c.r.chance(0.5) ? children.flatMap((x) => jobOf(c.world, x).children.filter((y) => !onClock(y))) : [])])]
    : [];
  const variant = cascade.length > 0 ? 'inherited by the next jobs' : 'fails for good';
  return { kind: 'upstream-failure', variant, truth: id, involved: [id, ...cascade], race: null, injections: [{ kind: 'fail', job: id, cascade }] };
}

/** Jobs on the chains that set the end of the three jobs that ended last (one may be on a clock). */
function nearCritical(c: DayContext): string[] {
  const last = [...c.clean.runs.keys()].sort((a, b) => endOf(c.clean, b) - endOf(c.clean, a)).slice(0, 3);
  return [...new Set(last.flatMap((id) => criticalPath(c.world, c.clean, id)))];
}

function slow(c: DayContext, allowed: (id: string) => boolean, mustBeLate: boolean): Part | null {
  const candidates = shuffle(nearCritical(c).filter(allowed), c.r);
  // Rather a day where only lateness follows; else one where a clock consumer after it reads stale data.
  for (const quiet of [true, false]) {
    for (const id of candidates) {
      for (const factor of [3 + 3 * c.r.next(), 6]) {
        const injections: Injection[] = [{ kind: 'slow', job: id, factor }];
        const day = run(c, injections);
        const inherited = day.races.every((x) => ancestorsOf(c.world, x).has(id));
        if ((quiet && day.races.length > 0) || !inherited || (mustBeLate && (day.finish === null || day.finish <= c.world.deadlineMin))) continue;
        const variant = day.races.length > 0 ? 'on the critical path, stale reader after it' : 'on the critical path';
        return { kind: 'slow', variant, truth: id, involved: [id], race: null, injections };
      }
    }
  }
  return null;
}

function partial(c: DayContext, allowed: (id: string) => boolean): Part | null {
  const sources = c.world.order.filter((id) => allowed(id) && jobOf(c.world, id).rows.kind === 'base' && ['openlineage', 'generic'].includes(jobOf(c.world, id).format));
  if (sources.length === 0) return null;
  const id = c.r.pick(sources);
  return { kind: 'partial', variant: `extract on ${jobOf(c.world, id).format}`, truth: id, involved: [id], race: null, injections: [{ kind: 'partial', job: id, share: 0.35 + 0.1 * c.r.next() }] };
}

/** The consumer did not wait: its writer ran near the top of its usual range, or its clock fired early. */
function consumerRace(c: DayContext, consumer: string, writer: string): Part {
  const part = (injections: Injection[], how: string): Part =>
    ({ kind: 'clock-race', variant: `consumer (${how})`, truth: consumer, involved: [writer, consumer], race: consumer, injections });
  for (const z of [1.2, 1.4, 1.6, 1.8, 2]) {
    const injections: Injection[] = [{ kind: 'high', job: writer, z }];
    // Only this consumer raced and nothing is late: the writer did nothing out of the ordinary.
    const day = run(c, injections);
    if (day.races.length === 1 && day.races[0] === consumer && day.finish !== null && day.finish <= c.world.deadlineMin) return part(injections, 'writer near its usual top');
  }
  const startMin = Math.max(1, endOf(c.clean, writer) - 3 - 17 * c.r.next());
  return part([{ kind: 'clock', job: consumer, startMin }], 'clock fired early');
}

/** The writer ran so slowly that it ended after the consumer's clock; or the consumer did not wait. */
function race(c: DayContext, allowed: (id: string) => boolean): Part | null {
  const consumers = c.world.order.filter((id) => jobOf(c.world, id).clockMin !== null && allowed(id) && allowed(jobOf(c.world, id).parents[0] as string));
  if (consumers.length === 0) return null;
  if (c.r.chance(0.5)) {
    for (const consumer of shuffle(consumers, c.r)) {
      const writer = jobOf(c.world, consumer).parents[0] as string;
      const w = c.clean.runs.get(writer)?.attempts.at(-1) as Attempt;
      const start = c.clean.runs.get(consumer)?.attempts[0]?.start ?? 0;
      // Slow enough to end a few minutes after the consumer's clock; slower than 10× is left out.
      const factor = Math.max(3, (start + 3 + 12 * c.r.next() - w.start) / (w.end - w.start));
      const injections: Injection[] = [{ kind: 'slow', job: writer, factor }];
      if (factor <= 10 && run(c, injections).races.includes(consumer)) {
        return { kind: 'clock-race', variant: 'writer abnormally slow', truth: writer, involved: [writer, consumer], race: consumer, injections };
      }
    }
  }
  const consumer = c.r.pick(consumers);
  return consumerRace(c, consumer, jobOf(c.world, consumer).parents[0] as string);
}

function ancestorsOf(world: World, id: string, into = new Set<string>()): Set<string> {
  for (const p of jobOf(world, id).parents) if (!into.has(p)) ancestorsOf(world, p, into.add(p));
  return into;
}

/** Whether two sets of jobs lie on different branches: none is upstream of another. */
function apart(world: World, a: string[], b: string[]): boolean {
  const above = (x: string) => ancestorsOf(world, x);
  return a.every((x) => b.every((y) => x !== y && !above(x).has(y) && !above(y).has(x)));
}

function single(c: DayContext, kind: Exclude<ProblemKind, 'overlap'>, allowed: (id: string) => boolean, alone: boolean): Part | null {
  switch (kind) {
    case 'upstream-failure': return failure(c, allowed);
    case 'slow': return slow(c, allowed, alone);
    case 'partial': return partial(c, allowed);
    case 'clock-race': return race(c, allowed);
    default: {
      const never: never = kind;
      throw new Error(`unknown kind ${String(never)}`);
    }
  }
}

/** Two faults on different branches of the same day; both are the truth. */
function overlap(c: DayContext): DayCase | null {
  const kinds = shuffle(['upstream-failure', 'slow', 'partial', 'clock-race'] as const, c.r);
  const [ka, kb] = [kinds[0] as Exclude<ProblemKind, 'overlap'>, kinds[1] as Exclude<ProblemKind, 'overlap'>];
  const a = single(c, ka, () => true, false);
  if (!a) return null;
  const b = single(c, kb, (id) => apart(c.world, a.involved, [id]), false);
  if (!b || !apart(c.world, a.involved, b.involved)) return null;
  const injections = [...a.injections, ...b.injections];
  const day = run(c, injections);
  const expected = [a.race, b.race].filter((x): x is string => x !== null);
  if (day.races.length !== expected.length || !expected.every((x) => day.races.includes(x))) return null;
  return { kind: 'overlap', variant: [a.kind, b.kind].sort().join(' + '), truth: [a.truth, b.truth], injections };
}

/** A fault of `kind` for the day, or null when this day's draw cannot carry one. */
export function makeCase(c: DayContext, kind: ProblemKind): DayCase | null {
  if (kind === 'overlap') return overlap(c);
  const p = single(c, kind, () => true, true);
  return p ? { kind: p.kind, variant: p.variant, truth: [p.truth], injections: p.injections } : null;
}
