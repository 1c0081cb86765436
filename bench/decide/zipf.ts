import type { Random } from '../../src/demo/random.ts';

/**
 * Draws ranks 0..n-1 with probability ∝ 1/(rank+1)^s: a few failures are everywhere, most are
 * rare. The seed gives incidents to signatures this way and the bench asks about them the same
 * way, so the popular signatures (with thousands of incidents) are the ones asked about most.
 */
export function zipfSampler(n: number, s: number, r: Random): () => number {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) {
    total += 1 / (k + 1) ** s;
    cumulative[k] = total;
  }
  return () => {
    const u = r.next() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] ?? 0) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
