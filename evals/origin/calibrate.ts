/**
 * A world's clocks and deadline, from its own clean days: a consumer on a clock starts a while
 * after its input's writer usually ends (well after for one, by a thin margin for another, as
 * time buffers are set in practice), and the deadline is a comfortable margin after the usual finish.
 */
import { seeded } from '../../src/demo/random.ts';
import { drawDay, simulate, type Attempt } from './simulate.ts';
import { mix, type World } from './world.ts';

const SAMPLES = 200;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};
const ceil5 = (m: number) => Math.ceil(m / 5) * 5;

function cleanFinishes(world: World, seed: number, salt: number): { finish: number[]; ends: Map<string, number[]> } {
  const r = seeded(mix(seed, salt));
  const slot = new Date(Date.UTC(2026, 0, 6, world.slotHourUtc)); // a Tuesday: volumes play no part here
  const finish: number[] = [];
  const ends = new Map<string, number[]>();
  for (let k = 0; k < SAMPLES; k++) {
    const day = simulate(world, drawDay(world, r), [], slot, new Map());
    if (day.finish !== null) finish.push(day.finish);
    for (const [id, run] of day.runs) ends.set(id, [...(ends.get(id) ?? []), (run.attempts.at(-1) as Attempt).end]);
  }
  return { finish, ends };
}

/** Sets each clock consumer's minute and the world's deadline; returns the world changed in place. */
export function calibrate(world: World, seed: number, index: number): World {
  const r = seeded(mix(seed, index, 0xc10c));
  const consumers = [...world.jobs.values()].filter((j) => j.clockMin !== null);
  // In order, each as if it and the consumers after it waited for their inputs, to know when its
  // inputs are usually ready with the clocks before it set.
  for (const c of consumers) c.clockMin = null;
  const thin = consumers.length > 1 ? 1 : r.chance(0.5) ? 0 : -1;
  consumers.forEach((c, k) => {
    const waited = cleanFinishes(world, seed, mix(index, 1, k));
    // The writer a consumer races is the input usually ready last.
    const p95 = (id: string) => quantile(waited.ends.get(id) ?? [0], 0.95);
    c.parents.sort((a, b) => p95(b) - p95(a));
    const ends = waited.ends.get(c.parents[0] as string) ?? [0];
    c.clockMin = k === thin ? ceil5(quantile(ends, 0.9) + 3 + 5 * r.next()) : ceil5(quantile(ends, 0.95) + 20 + 20 * r.next());
  });
  const timed = cleanFinishes(world, seed, mix(index, 2));
  const p95 = quantile(timed.finish, 0.95);
  world.deadlineMin = ceil5(p95 + Math.max(10, 0.08 * p95));
  return world;
}
