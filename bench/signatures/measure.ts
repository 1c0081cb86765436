/**
 * Latency and recall@10 of a top-10 similarity query against exact search, on one connection with
 * a named (prepared) statement, after a warm-up pass: the measuring shared by the search benches.
 */
import type pg from 'pg';
import { quantile } from 'simple-statistics';
import { toVector } from '../../src/incidents/sql.ts';

export interface Timed {
  p50: number;
  p99: number;
  mean: number;
}

export interface Measured extends Timed {
  recall: number;
}

/** A top-10 query: returns rows of `d`, the exact cosine distance of each result. */
export type TopTen = (client: pg.Client, query: readonly number[]) => Promise<{ d: number }[]>;

export function timed(latencies: number[]): Timed {
  return {
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    mean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
  };
}

/** Exact neighbours' distances (a sequential scan, no index), timed: the recall baseline. */
export async function exactSearch(client: pg.Client, queries: readonly (readonly number[])[]): Promise<{ kth: number[]; timing: Timed }> {
  await client.query('set enable_indexscan = off');
  try {
    const run = async (q: readonly number[]) => (await client.query<{ d: number }>({
      name: 'bench-exact-top10',
      text: 'select id, embedding <=> $1::halfvec as d from signatures order by embedding <=> $1::halfvec limit 10',
      values: [toVector(q)], // as Medic sends a query vector
    })).rows;
    for (const q of queries.slice(0, 20)) await run(q); // warm-up
    const kth: number[] = [];
    const latencies: number[] = [];
    for (const q of queries) {
      const t = performance.now();
      const rows = await run(q);
      latencies.push(performance.now() - t);
      kth.push(rows.at(-1)?.d ?? Infinity);
    }
    return { kth, timing: timed(latencies) };
  } finally {
    await client.query('reset enable_indexscan');
  }
}

/**
 * p50/p99 of `top10` over `queries` after one warm-up pass over all of them (unless `warmUp` is false), and recall@10 against
 * `kth` (the exact tenth distance of each query): near-duplicate signatures tie, so any result as
 * close as the exact tenth counts as a true neighbour.
 */
export async function measure(client: pg.Client, queries: readonly (readonly number[])[], kth: readonly number[], top10: TopTen,
  options: { warmUp?: boolean } = {}): Promise<Measured> {
  if (options.warmUp ?? true) for (const q of queries) await top10(client, q);
  const latencies: number[] = [];
  let hits = 0;
  for (let i = 0; i < queries.length; i++) {
    const t = performance.now();
    const rows = await top10(client, queries[i] ?? []);
    latencies.push(performance.now() - t);
    const limit = (kth[i] ?? Infinity) + 1e-6;
    hits += Math.min(10, rows.filter((x) => x.d <= limit).length);
  }
  return { ...timed(latencies), recall: hits / (queries.length * 10) };
}
