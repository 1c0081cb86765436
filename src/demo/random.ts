/** A small seeded PRNG (mulberry32): the demo history is the same on every machine. */
export function seeded(seed: number) {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const normal = (): number => {
    const u = Math.max(next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
  return {
    next,
    /** True with probability p. */
    chance: (p: number) => next() < p,
    /** A heavy-tailed duration around `median` (lognormal with spread `sigma`). */
    lognormal: (median: number, sigma: number) => median * Math.exp(sigma * normal()),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    /** A UUID-shaped id drawn from the generator. */
    uuid: () => {
      const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16)).join('');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
    },
  };
}

export type Random = ReturnType<typeof seeded>;

export const MINUTE = 60_000;
export const DAY = 86_400_000;
