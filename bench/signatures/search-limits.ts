/**
 * Similar-signature search as Medic runs it, at 100k and 1M stored vectors: Medic's own query
 * (`similarSignatures`, a named statement) over Medic's index (SIGNATURE_INDEX, the one the
 * migrations create) at Medic's ef_search (db/pool.ts sets it per connection), on one persistent
 * connection, after a warm-up pass. Recall@10 is against exact search (a sequential scan), ties
 * counted. The vectors are the reusable ones of vectors.ts. `bench:limits` calls `searchFigures`;
 * `npm run bench:signatures -- --search` prints the same table.
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { EF_SEARCH, type Queryable } from '../../src/db/pool.ts';
import { SIMILAR_SIGNATURES_SQL, similarSignatures } from '../../src/incidents/read-sql.ts';
import { toVector } from '../../src/incidents/sql.ts';
import { SIGNATURE_INDEX } from '../../src/signatures/search-index.ts';
import { exactSearch, measure, type Measured } from './measure.ts';
import { ensureIndex, ensureVectors, queryVectors, SETS, VECTORS_DB, type IndexBuild, type VectorSet } from './vectors.ts';

export interface Figures {
  recall10: number;
  p50_ms: number;
  p99_ms: number;
  /** p50 of the exact top 10 (a sequential scan of every vector), for scale. */
  exact_p50_ms: number;
  /** The index and query settings measured, e.g. `hnsw halfvec_cosine m = 16, ef_construction = 128; ef_search 64; top 10 by cosine`. */
  option: string;
}

export interface SearchOptions {
  /** Rebuild the vectors database: about 2 minutes, then the 1M index build (about 15 minutes on 2 cores). */
  reseed?: boolean;
  /** @defaultValue 200 */
  queries?: number;
  /** Passes over the queries; the figures are the pass with the median p50. @defaultValue 3 */
  rounds?: number;
  /** @defaultValue true */
  print?: boolean;
}

export const OPTION = `hnsw halfvec_cosine ${SIGNATURE_INDEX.with}; ef_search ${EF_SEARCH}; top 10 by cosine`;

interface SetFigures extends Figures {
  set: VectorSet;
  index: IndexBuild;
  exact_p99_ms: number;
  time: TimeSpent;
}

/** Where a query's time goes on the server: shared-buffer hits and reads (misses), and execution time. */
interface TimeSpent {
  hits: number;
  reads: number;
  exec_p50_ms: number;
  /** The same query run again at once, every page it needs now in shared buffers. */
  again_p50_ms: number;
}

async function timeSpent(c: pg.Client, queries: readonly (readonly number[])[]): Promise<TimeSpent> {
  const run = async (q: readonly number[]) => {
    const r = await c.query<{ 'QUERY PLAN': { Plan: Record<string, number>; 'Execution Time': number }[] }>(
      `explain (analyze, buffers, format json) ${SIMILAR_SIGNATURES_SQL}`, [toVector(q), 10]);
    const p = r.rows[0]?.['QUERY PLAN'][0];
    return { hits: p?.Plan['Shared Hit Blocks'] ?? 0, reads: p?.Plan['Shared Read Blocks'] ?? 0, exec: p?.['Execution Time'] ?? 0 };
  };
  const first: Awaited<ReturnType<typeof run>>[] = [];
  const again: number[] = [];
  for (const q of queries) {
    first.push(await run(q));
    again.push((await run(q)).exec);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return { hits: mean(first.map((x) => x.hits)), reads: mean(first.map((x) => x.reads)), exec_p50_ms: med(first.map((x) => x.exec)), again_p50_ms: med(again) };
}

async function figuresFor(url: string, set: VectorSet, opts: SearchOptions): Promise<SetFigures> {
  // As db/pool.ts opens Medic's connections (ef_search per connection), the set's schema first.
  const c = new pg.Client({ connectionString: url, options: `-c hnsw.ef_search=${EF_SEARCH} -c search_path=${set.schema},public` });
  await c.connect();
  try {
    const index = await ensureIndex(c, set.schema, SIGNATURE_INDEX.name, SIGNATURE_INDEX.using, { with: SIGNATURE_INDEX.with });
    await onlyMedicIndex(c, set.schema);
    const queries = queryVectors(set, opts.queries ?? 200);
    const exact = await exactSearch(c, queries);
    const db = c as unknown as Queryable;
    const runs: Measured[] = [];
    for (let r = 0; r < (opts.rounds ?? 3); r++) {
      runs.push(await measure(c, queries, exact.kth, async (_, q) =>
        (await similarSignatures(db, q, 10, -1)).map((s) => ({ d: 1 - s.similarity }))));
    }
    const m = [...runs].sort((a, b) => a.p50 - b.p50)[Math.floor(runs.length / 2)] ?? runs[0];
    if (!m) throw new Error('no measurement');
    const time = await timeSpent(c, queries.slice(0, 50));
    return {
      set, index, recall10: m.recall, p50_ms: m.p50, p99_ms: m.p99, exact_p50_ms: exact.timing.p50, exact_p99_ms: exact.timing.p99, option: OPTION, time,
    };
  } finally {
    await c.end();
  }
}

/** Drops indexes other than the primary key and Medic's from the set's table: the planner must pick Medic's. */
async function onlyMedicIndex(c: pg.Client, schema: string): Promise<void> {
  const r = await c.query<{ name: string }>(
    `select i.relname as name from pg_index x join pg_class i on i.oid = x.indexrelid
      where x.indrelid = $1::regclass and not x.indisprimary and i.relname <> $2`, [`${schema}.signatures`, SIGNATURE_INDEX.name]);
  for (const row of r.rows) await c.query(`drop index ${schema}.${row.name}`);
}

async function settings(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url, options: `-c hnsw.ef_search=${EF_SEARCH}` });
  await c.connect();
  try {
    // hnsw.ef_search as this connection has it (pgvector's settings are not in pg_settings until it is loaded).
    const r = await c.query<{ s: string }>(
      `select string_agg(name || ' ' || current_setting(name), ', ' order by name) || ', hnsw.ef_search ' || current_setting('hnsw.ef_search', true) as s
         from pg_settings where name in ('shared_buffers', 'effective_cache_size', 'work_mem', 'jit', 'max_parallel_workers_per_gather')`);
    const v = await c.query<{ v: string; pv: string }>(`select split_part(version(), ' on ', 1) as v, (select extversion from pg_extension where extname = 'vector') as pv`);
    return `${v.rows[0]?.v}, pgvector ${v.rows[0]?.pv}; ${r.rows[0]?.s}`;
  } finally {
    await c.end();
  }
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

function print(rows: SetFigures[], sharedBuffers: string, context: string, opts: SearchOptions): void {
  console.log(`similar-signature search as Medic runs it: ${OPTION}`);
  console.log(`similarSignatures (a named statement) on one connection, ${opts.queries ?? 200} queries (texts of seed 8: new templates over the same words); `
    + `p50/p99 of the pass with the median p50 of ${opts.rounds ?? 3}, after a warm-up pass`);
  console.log('recall@10 counts a result as found when it is as close as the exact search\'s tenth (ties count)');
  console.log(context);
  console.log(`${'vectors'.padStart(10)} ${'recall@10'.padStart(9)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'exact p50'.padStart(9)} ${'exact p99'.padStart(9)} ${'index'.padStart(8)} ${'built in'.padStart(8)}  fits shared_buffers (${sharedBuffers})?`);
  for (const r of rows) {
    const fits = r.index.bytes <= sizeOf(sharedBuffers) ? 'yes' : 'no: the rest comes from the OS page cache';
    console.log(`${r.set.n.toLocaleString('en-US').padStart(10)} ${r.recall10.toFixed(3).padStart(9)} ${r.p50_ms.toFixed(2).padStart(7)} ${r.p99_ms.toFixed(2).padStart(7)} ${r.exact_p50_ms.toFixed(1).padStart(9)} ${r.exact_p99_ms.toFixed(1).padStart(9)} ${mib(r.index.bytes).padStart(8)} ${`${r.index.seconds.toFixed(0)} s`.padStart(8)}  ${fits}`);
  }
  console.log('where the time goes on the server (EXPLAIN ANALYZE, BUFFERS; 50 queries):');
  for (const r of rows) {
    const t = r.time;
    console.log(`${r.set.n.toLocaleString('en-US').padStart(10)}  ${t.hits.toFixed(0)} shared-buffer hits and ${t.reads.toFixed(0)} reads (misses, from the OS page cache) per query; `
      + `execution p50 ${t.exec_p50_ms.toFixed(2)} ms, ${t.again_p50_ms.toFixed(2)} ms for the same query again with its pages in shared buffers`);
  }
}

function sizeOf(setting: string): number {
  const m = /^(\d+)\s*(kB|MB|GB|TB)?$/.exec(setting.trim());
  const scale = { kB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40 }[(m?.[2] ?? 'kB') as 'kB'];
  return Number(m?.[1] ?? 0) * scale;
}

/** recall@10 and latency of Medic's similar-signature search over 100k and 1M stored vectors, printed as a table. */
export async function searchFigures(baseUrl: string, opts: SearchOptions = {}): Promise<{ n100k: Figures; n1m: Figures }> {
  const info = await ensureVectors(baseUrl, opts);
  const rows: SetFigures[] = [];
  for (const set of SETS) rows.push(await figuresFor(info.url, set, opts));
  const context = `${VECTORS_DB}: ${info.reused ? `reused (seeded ${info.seededAt.toISOString()}; --reseed rebuilds it)` : `loaded in ${info.seconds.toFixed(0)} s`}; `
    + `load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n${await settings(info.url)}`;
  const sb = /shared_buffers ([^,\s]+)/.exec(context)?.[1] ?? '128MB';
  if (opts.print ?? true) print(rows, sb, context, opts);
  const pick = (schema: string): Figures => {
    const r = rows.find((x) => x.set.schema === schema);
    if (!r) throw new Error(`no figures for ${schema}`);
    return { recall10: r.recall10, p50_ms: r.p50_ms, p99_ms: r.p99_ms, exact_p50_ms: r.exact_p50_ms, option: r.option };
  };
  return { n100k: pick('n100k'), n1m: pick('n1m') };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await searchFigures(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/medic_test', { reseed: process.argv.includes('--reseed') });
}
