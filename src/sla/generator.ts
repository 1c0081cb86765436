/**
 * A seeded mulberry32 generator whose state is one int32 in a typed array: the simulation passes
 * it between functions without allocating, and copies it into a local for its hottest loop.
 */
export type Generator = Int32Array;

/** The next uniform draw in [0, 1), advancing the generator. */
export function nextUniform(g: Generator): number {
  const st = ((g[0] as number) + 0x6d2b79f5) | 0;
  g[0] = st;
  let t = Math.imul(st ^ (st >>> 15), st | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}
