/**
 * The search every eval uses to choose its settings: each setting in turn takes the value that
 * scores best, the others held, until a sweep moves none (at most `sweeps`). Ties keep the
 * current value, so the search does not wander on flat ground.
 */
export function coordinateSearch<T extends object>(start: T, space: { [K in keyof T]?: readonly T[K][] }, value: (t: T) => number, sweeps = 4): T {
  let best = { ...start };
  let bestValue = value(best);
  for (let sweep = 0; sweep < sweeps; sweep++) {
    let moved = false;
    for (const key of Object.keys(space) as (keyof T)[]) {
      for (const v of space[key] ?? []) {
        const candidate = { ...best, [key]: v };
        const got = value(candidate);
        if (got > bestValue + 1e-9) {
          best = candidate;
          bestValue = got;
          moved = true;
        }
      }
    }
    if (!moved) break;
  }
  return best;
}
