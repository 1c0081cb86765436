/**
 * The options measured for similar-signature search at 100k and 1M vectors, one line each: HNSW
 * over halfvec built with several m/ef_construction and queried at several ef_search; HNSW over
 * binary-quantised vectors with an exact re-rank of the top K; session settings; prewarming. What
 * Medic ships is measured by search-limits.ts; this is how it was chosen.
 *
 * Uses the reusable vectors of vectors.ts. Each graph is built on its own copy of a set's table
 * (schema `n1m_m16efc64` …), so that the planner has one index to pick and Medic's own table keeps
 * Medic's index only (the graph built with Medic's parameters is that table's); builds are kept
 * for the next run (`bench_index_builds` remembers their cost).
 * Configurations are measured interleaved, `--rounds` times, so that other work on the machine
 * spreads over all of them; a line gives the median over rounds of p50, p99 and mean.
 *
 * What it found at 1M (2 cores, shared_buffers 128MB): the time is mostly shared-buffer misses —
 * the 555 MiB graph does not fit, each visited page not in shared buffers is copied from the OS
 * page cache — so cost grows with ef_search, and a better graph (ef_construction 128: recall 0.95
 * at ef_search 60 instead of 80) is what helps. ef_construction 200 or m 24 did no better for
 * their longer builds; pg_prewarm cannot keep a graph 4 times the buffers; session settings do
 * nothing to an index scan. Binary quantisation fails here: the hashing embedder's vectors are
 * sparse (about 200 of 256 dimensions are 0, and binary_quantize maps 0 and negatives alike to 0),
 * so Hamming order is far from cosine order (recall@10 0.53 after re-ranking the top 400).
 *
 *   tsx bench/signatures/search-options.ts [--sets n100k,n1m] [--only graph,bq,session,prewarm]
 *     [--graphs m=16:ef_construction=64@40/60/80,m=16:ef_construction=128@40/60] [--k 100,200]
 *     [--queries 200] [--rounds 3]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { EF_SEARCH } from '../../src/db/pool.ts';
import { SIGNATURE_INDEX } from '../../src/signatures/search-index.ts';
import { toVector } from '../../src/incidents/sql.ts';
import { exactSearch, measure, type Measured, type TopTen } from './measure.ts';
import { DIMENSIONS, ensureIndex, ensureVectors, queryVectors, SETS, type IndexBuild, type VectorSet } from './vectors.ts';

const { values: opt } = parseArgs({
  options: {
    sets: { type: 'string', default: 'n100k,n1m' },
    only: { type: 'string', default: 'graph,bq,session,prewarm' },
    graphs: { type: 'string', default: 'm=16:ef_construction=64@40/60/80/100/150/200,m=16:ef_construction=128@40/50/60/64/70/80/100' },
    k: { type: 'string', default: '40,80,100,150,200,300,400' },
    queries: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
    reseed: { type: 'boolean', default: false },
  },
});
const only = new Set(opt.only.split(','));
const nums = (s: string) => s.split(/[,/]/).map(Number).filter((n) => n > 0);

const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/medic_test';
const info = await ensureVectors(base, { reseed: opt.reseed });

const COLUMNS = 'id, template, exception_type, occurrences';
const PLAIN_SQL = `select ${COLUMNS}, embedding <=> $1::halfvec as d from signatures where embedding is not null
  order by embedding <=> $1::halfvec limit 10`;
const bqSql = (k: number) => `select ${COLUMNS}, embedding <=> $1::halfvec as d from (
    select ${COLUMNS}, embedding from signatures where embedding is not null
    order by binary_quantize(embedding)::bit(${DIMENSIONS}) <~> binary_quantize($1::halfvec) limit ${k}) c
  order by embedding <=> $1::halfvec limit 10`;

/** The shape of Medic's query: HNSW over halfvec, top 10 by cosine. */
const plain: TopTen = async (c, q) => (await c.query<{ d: number }>({ name: 'opt-plain', text: PLAIN_SQL, values: [toVector(q)] })).rows;
/** Top `k` by Hamming distance of the sign bits (HNSW over bit(256)), re-ranked by exact cosine. */
const bq = (k: number): TopTen => async (c, q) => (await c.query<{ d: number }>({ name: `opt-bq-${k}`, text: bqSql(k), values: [toVector(q)] })).rows;

interface Config {
  label: string;
  client: pg.Client;
  ef: number;
  fn: TopTen;
  extra: string;
}

const fmtBytes = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const built = (b: IndexBuild) => `${b.reused ? 'built earlier in' : 'built in'} ${b.seconds.toFixed(0)} s, ${fmtBytes(b.bytes)}`;
const line = (set: VectorSet, option: string, m: Measured, extra = '') =>
  console.log(`${set.schema.padEnd(6)} ${option.padEnd(52)} ${m.recall.toFixed(3).padStart(9)} ${m.p50.toFixed(2).padStart(7)} ${m.p99.toFixed(2).padStart(7)} ${m.mean.toFixed(2).padStart(7)}  ${extra}`);

async function connect(schema: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: info.url, options: `-c search_path=${schema},public` });
  await c.connect();
  return c;
}

/** A copy of the set's table in schema `<set>_<tag>` with an HNSW graph built with `params` (`m=16:ef_construction=64`). */
async function graphCopy(c: pg.Client, set: VectorSet, params: string): Promise<{ schema: string; tag: string; build: IndexBuild }> {
  const tag = params.replace(/ef_construction=/, 'efc').replace(/[^a-z0-9]/gi, '');
  const w = params.replaceAll(':', ', ').replace(/=/g, ' = ');
  // Medic's own graph is the set's table itself, with Medic's index.
  if (w === SIGNATURE_INDEX.with) return { schema: set.schema, tag, build: await ensureIndex(c, set.schema, SIGNATURE_INDEX.name, SIGNATURE_INDEX.using, { with: w }) };
  const schema = `${set.schema}_${tag}`;
  await c.query(`create schema if not exists ${schema}`);
  if (!(await c.query<{ r: string | null }>(`select to_regclass('${schema}.signatures')::text as r`)).rows[0]?.r) {
    await c.query(`create table ${schema}.signatures as select * from ${set.schema}.signatures order by id`);
    await c.query(`alter table ${schema}.signatures add primary key (id)`);
    await c.query(`vacuum (analyze, freeze) ${schema}.signatures`);
  }
  const build = await ensureIndex(c, schema, 'sig_hnsw', 'hnsw (embedding halfvec_cosine_ops)', { with: w });
  return { schema, tag, build };
}

async function runRounds(set: VectorSet, configs: Config[], queries: number[][], kth: number[]): Promise<void> {
  const results = configs.map(() => [] as Measured[]);
  for (let r = 0; r < Number(opt.rounds); r++) {
    for (const [i, cfg] of configs.entries()) {
      await cfg.client.query(`set hnsw.ef_search = ${cfg.ef}`);
      results[i]?.push(await measure(cfg.client, queries, kth, cfg.fn));
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  for (const [i, cfg] of configs.entries()) {
    const rs = results[i] ?? [];
    line(set, cfg.label, { recall: rs[0]?.recall ?? Number.NaN, p50: med(rs.map((x) => x.p50)), p99: med(rs.map((x) => x.p99)), mean: med(rs.map((x) => x.mean)) },
      `p50 by round ${rs.map((x) => x.p50.toFixed(2)).join(' ')}${cfg.extra ? `; ${cfg.extra}` : ''}`);
  }
}

/** Shared-buffer hits and reads (misses, served by the OS page cache) per query, and server execution time. */
async function buffers(c: pg.Client, sql: string, queries: number[][]): Promise<string> {
  let hit = 0;
  let read = 0;
  const exec: number[] = [];
  for (const q of queries) {
    const r = await c.query<{ 'QUERY PLAN': { Plan: Record<string, number>; 'Execution Time': number }[] }>(
      `explain (analyze, buffers, format json) ${sql.replaceAll('$1', `'${toVector(q)}'`)}`);
    const p = r.rows[0]?.['QUERY PLAN'][0];
    hit += p?.Plan['Shared Hit Blocks'] ?? 0;
    read += p?.Plan['Shared Read Blocks'] ?? 0;
    exec.push(p?.['Execution Time'] ?? 0);
  }
  exec.sort((a, b) => a - b);
  return `per query ${(hit / queries.length).toFixed(0)} shared-buffer hits, ${(read / queries.length).toFixed(0)} reads; server execution p50 ${exec[Math.floor(exec.length / 2)]?.toFixed(2)} ms`;
}

console.log(`load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}; vectors ${info.reused ? 'reused' : 'built'} (${info.url.replace(/^.*\//, '')})`);
console.log(`${'set'.padEnd(6)} ${'option'.padEnd(52)} ${'recall@10'.padStart(9)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'mean ms'.padStart(7)}`);

for (const set of SETS.filter((s) => opt.sets.split(',').includes(s.schema))) {
  const c = await connect(set.schema);
  const queries = queryVectors(set, Number(opt.queries));
  const exact = await exactSearch(c, queries);
  line(set, 'exact (sequential scan)', { recall: 1, ...exact.timing });
  const configs: Config[] = [];
  const clients: pg.Client[] = [];
  if (only.has('graph')) {
    for (const g of opt.graphs.split(',')) {
      const [params = '', efs] = g.split('@');
      const copy = await graphCopy(c, set, params);
      const gc = await connect(copy.schema);
      clients.push(gc);
      const list = nums(efs ?? '40,100');
      for (const ef of list) configs.push({ label: `hnsw ${copy.tag} halfvec, ef_search ${ef}`, client: gc, ef, fn: plain, extra: ef === list[0] ? built(copy.build) : '' });
    }
  }
  if (only.has('bq')) {
    // Beside the m=16, ef_construction=64 graph: a different expression, so the plain query keeps its index.
    const copy = await graphCopy(c, set, 'm=16:ef_construction=64');
    const b = await ensureIndex(c, copy.schema, 'sig_bq16', `hnsw ((binary_quantize(embedding)::bit(${DIMENSIONS})) bit_hamming_ops)`, { with: 'm = 16, ef_construction = 64' });
    const gc = await connect(copy.schema);
    clients.push(gc);
    for (const k of nums(opt.k)) configs.push({ label: `bq hnsw m16 efc64 bit(256), top ${k} re-ranked, ef ${k}`, client: gc, ef: k, fn: bq(k), extra: k === nums(opt.k)[0] ? built(b) : '' });
  }
  await runRounds(set, configs, queries, exact.kth);
  for (const gc of clients) await gc.end();

  // Session settings and prewarming, on Medic's index (SIGNATURE_INDEX) at Medic's ef_search.
  if (only.has('session') || only.has('prewarm')) {
    const medic = await ensureIndex(c, set.schema, SIGNATURE_INDEX.name, SIGNATURE_INDEX.using, { with: SIGNATURE_INDEX.with });
    const label = `medic's index (${SIGNATURE_INDEX.with}), ef_search ${EF_SEARCH}`;
    const session: Config[] = [{ label, client: c, ef: EF_SEARCH, fn: plain, extra: built(medic) }];
    if (only.has('session')) {
      for (const [name, sql] of [['jit off', 'set jit = off'], ['max_parallel_workers_per_gather 0', 'set max_parallel_workers_per_gather = 0'],
        ['enable_seqscan off', 'set enable_seqscan = off']] as const) {
        const sc = await connect(set.schema);
        await sc.query(sql);
        clients.push(sc);
        session.push({ label: `${label}, ${name}`, client: sc, ef: EF_SEARCH, fn: plain, extra: '' });
      }
      await runRounds(set, session, queries, exact.kth);
    }
    if (only.has('prewarm')) {
      await c.query('create extension if not exists pg_prewarm schema public'); // contrib; not in a set's schema
      const size = await c.query<{ name: string; bytes: string }>(
        `select c.relname as name, pg_relation_size(c.oid) as bytes from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and c.relkind in ('r', 'i') order by 1`, [set.schema]);
      const sb = (await c.query<{ s: string }>(`select current_setting('shared_buffers') as s`)).rows[0]?.s;
      console.log(`       relations: ${size.rows.map((r) => `${r.name} ${fmtBytes(Number(r.bytes))}`).join(', ')}; shared_buffers ${sb}`);
      await c.query(`set hnsw.ef_search = ${EF_SEARCH}`);
      console.log(`       before prewarm: ${await buffers(c, PLAIN_SQL, queries.slice(0, 100))}`);
      const pages = await c.query<{ pages: number }>(`select public.pg_prewarm('${set.schema}.${SIGNATURE_INDEX.name}', 'buffer') as pages`);
      line(set, `${label}, first pass right after pg_prewarm(index, 'buffer')`, await measure(c, queries, exact.kth, plain, { warmUp: false }), `${pages.rows[0]?.pages} pages read into shared buffers`);
      line(set, `${label}, after pg_prewarm and a warm-up pass`, await measure(c, queries, exact.kth, plain));
      console.log(`       after prewarm: ${await buffers(c, PLAIN_SQL, queries.slice(0, 100))}`);
    }
    for (const sc of clients.splice(0)) await sc.end();
  }
  await c.end();
}
console.log(`load average at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
