/**
 * The similar-signature search benches' vectors, kept between runs: `medic_bench_vectors` beside
 * the database in DATABASE_URL (never that one), with 100k and 1M failure-like texts embedded by
 * Medic's hashing embedder, each set in its own schema (`n100k`, `n1m`) in a table named and shaped
 * like Medic's `signatures` (the columns `similarSignatures` reads), so that the benches run
 * Medic's own query with `search_path` pointing at one set. A marker row (`bench_seed`) makes the
 * seed reusable; `--reseed` rebuilds it. Indexes are not part of the seed: `ensureIndex` builds
 * the one asked for when it is missing, so a changed index does not cost a reload.
 * Run alone: `tsx bench/signatures/vectors.ts [--reseed]`.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { seeded } from '../../src/demo/random.ts';
import { hashingEmbedding } from '../../src/signatures/embedder.ts';

/** Bump when the data changes (texts, embedder, table shape): an older seed is then rebuilt. */
const SEED_VERSION = 'vectors-1 (hashing-v1-256, texts seed 7, families n/50)';
export const VECTORS_DB = 'medic_bench_vectors';
export const DIMENSIONS = 256;

export interface VectorSet {
  /** Schema holding this set's `signatures` table. */
  schema: string;
  n: number;
  /** Template families the texts are drawn from (as bench/signatures/search.ts always did). */
  families: number;
}

export const SETS: readonly VectorSet[] = [
  { schema: 'n100k', n: 100_000, families: 2_000 },
  { schema: 'n1m', n: 1_000_000, families: 20_000 },
];

const WORDS = 'connection refused timeout reset peer host database warehouse table partition bucket object disk quota memory heap container pod node task job stage shuffle executor driver schema column null constraint violation duplicate key lock deadlock certificate expired token unauthorized forbidden throttled rate limit retry after service unavailable gateway upstream dns resolve socket closed broken pipe file missing permission denied read write query cancelled statement parse syntax invalid json csv encoding utf offset kafka topic consumer lag commit snapshot checkpoint replica leader election'.split(' ');

/**
 * Failure-like texts: `families` event templates, each seen with word-level variations. Stored
 * vectors use seed 7, queries seed 8 (new templates over the same words).
 */
export function texts(count: number, families: number, seed: number): string[] {
  const r = seeded(seed);
  const base = Array.from({ length: families }, () => Array.from({ length: r.int(5, 12) }, () => r.pick(WORDS)));
  return Array.from({ length: count }, () => {
    const t = [...(base[r.int(0, families - 1)] ?? [])];
    for (let k = r.int(0, 2); k > 0; k--) t[r.int(0, t.length - 1)] = r.pick(WORDS);
    return t.join(' ');
  });
}

/** The bench's query vectors for a set: `count` texts of seed 8, embedded. */
export function queryVectors(set: VectorSet, count: number): number[][] {
  return texts(count, set.families, 8).map((t) => hashingEmbedding(t, DIMENSIONS));
}

/** Vector text as the seed loads it (queries are sent as Medic sends them: `toVector`). */
export const toVec = (v: readonly number[]) => `[${v.map((x) => x.toFixed(6)).join(',')}]`;

export const vectorsUrl = (base: string): string => {
  const u = new URL(base);
  u.pathname = `/${VECTORS_DB}`;
  return u.toString();
};

export interface VectorsInfo {
  url: string;
  reused: boolean;
  seededAt: Date;
  /** Seconds this call took (a marker read when reused). */
  seconds: number;
  /** Seconds the data load took when it was built. */
  loadSeconds: Record<string, number>;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function readMarker(url: string): Promise<{ seededAt: Date; loadSeconds: Record<string, number> } | undefined> {
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
  } catch {
    return undefined; // no bench database yet
  }
  try {
    const r = await c.query<{ version: string; seeded_at: Date; load_seconds: Record<string, number> }>(
      'select version, seeded_at, load_seconds from bench_seed').catch(() => undefined);
    const row = r?.rows[0];
    return row && row.version === SEED_VERSION ? { seededAt: row.seeded_at, loadSeconds: row.load_seconds } : undefined;
  } finally {
    await c.end();
  }
}

async function load(c: pg.Client, set: VectorSet): Promise<void> {
  await c.query(`create schema ${set.schema}`);
  // The columns of Medic's signatures that similarSignatures reads, with the same types.
  await c.query(`create table ${set.schema}.signatures (
    id bigint primary key, template text not null, exception_type text, occurrences integer not null default 1,
    embedding halfvec(${DIMENSIONS}))`);
  const rows = texts(set.n, set.families, 7);
  const lines = function* () {
    for (let i = 0; i < rows.length; i++) {
      const t = rows[i] ?? '';
      yield `${i + 1}\t${t}\t\\N\t1\t${toVec(hashingEmbedding(t, DIMENSIONS))}\n`;
    }
  };
  await pipeline(Readable.from(lines()),
    c.query(copyStreams.from(`copy ${set.schema}.signatures (id, template, exception_type, occurrences, embedding) from stdin`)));
  await c.query(`vacuum (analyze, freeze) ${set.schema}.signatures`);
}

/** The vectors database: reused when its marker matches, else (or with `reseed`) loaded anew (about 2 minutes). */
export async function ensureVectors(base: string, options: { reseed?: boolean } = {}): Promise<VectorsInfo> {
  const url = vectorsUrl(base);
  if (new URL(base).pathname === `/${VECTORS_DB}`) throw new Error(`DATABASE_URL must name another database than ${VECTORS_DB}: the bench drops and recreates it`);
  const t = performance.now();
  const found = options.reseed ? undefined : await readMarker(url);
  if (found) return { url, reused: true, seconds: (performance.now() - t) / 1000, ...found };
  await withClient(base, async (c) => {
    await c.query(`drop database if exists ${VECTORS_DB} with (force)`);
    await c.query(`create database ${VECTORS_DB}`);
  });
  const seededAt = new Date();
  const loadSeconds: Record<string, number> = {};
  await withClient(url, async (c) => {
    await c.query('create extension if not exists vector');
    for (const set of SETS) {
      const s = performance.now();
      await load(c, set);
      loadSeconds[set.schema] = (performance.now() - s) / 1000;
      console.log(`  vectors: loaded ${set.n.toLocaleString('en-US')} into ${set.schema}.signatures in ${loadSeconds[set.schema]?.toFixed(1)} s`);
    }
    await c.query(`create table bench_seed (singleton boolean primary key default true, version text not null,
      seeded_at timestamptz not null, load_seconds jsonb not null)`);
    // Index builds, kept so that a reused seed can still say what its index cost.
    await c.query(`create table bench_index_builds (schema text not null, name text not null, definition text not null,
      seconds double precision not null, bytes bigint not null, built_at timestamptz not null default now(), primary key (schema, name))`);
    await c.query('insert into bench_seed (version, seeded_at, load_seconds) values ($1, $2, $3)', [SEED_VERSION, seededAt, loadSeconds]);
  });
  return { url, reused: false, seededAt, seconds: (performance.now() - t) / 1000, loadSeconds };
}

export interface IndexBuild {
  name: string;
  /** Seconds the build took (when it was built; a reused index reports its recorded build). */
  seconds: number;
  bytes: number;
  reused: boolean;
}

/**
 * Makes sure `schema.signatures` has index `name` as `using` says (e.g. `hnsw (embedding
 * halfvec_cosine_ops)`): kept when an index of that name has the same definition, else rebuilt,
 * with a large maintenance_work_mem (the graph built in memory) and one parallel worker.
 */
export async function ensureIndex(c: pg.Client, schema: string, name: string, using: string,
  options: { with?: string; workers?: number } = {}): Promise<IndexBuild> {
  const ddl = `create index ${name} on ${schema}.signatures using ${using}${options.with ? ` with (${options.with})` : ''}`;
  const seen = await c.query<{ seconds: number; bytes: string; definition: string; present: boolean }>(
    `select b.seconds, b.bytes, b.definition, to_regclass($1) is not null as present
       from bench_index_builds b where b.schema = $2 and b.name = $3`, [`${schema}.${name}`, schema, name]);
  const row = seen.rows[0];
  if (row?.present && row.definition === ddl) return { name, seconds: row.seconds, bytes: Number(row.bytes), reused: true };
  await c.query(`drop index if exists ${schema}.${name}`);
  await c.query(`set maintenance_work_mem = '3GB'`);
  await c.query(`set max_parallel_maintenance_workers = ${options.workers ?? 1}`);
  const t = performance.now();
  await c.query(ddl);
  const seconds = (performance.now() - t) / 1000;
  await c.query('reset maintenance_work_mem; reset max_parallel_maintenance_workers');
  const bytes = Number((await c.query<{ b: string }>('select pg_relation_size($1::regclass) as b', [`${schema}.${name}`])).rows[0]?.b ?? 0);
  await c.query(`insert into bench_index_builds (schema, name, definition, seconds, bytes) values ($1, $2, $3, $4, $5)
    on conflict (schema, name) do update set definition = excluded.definition, seconds = excluded.seconds, bytes = excluded.bytes, built_at = now()`,
  [schema, name, ddl, seconds, bytes]);
  return { name, seconds, bytes, reused: false };
}

export async function dropIndex(c: pg.Client, schema: string, name: string): Promise<void> {
  await c.query(`drop index if exists ${schema}.${name}`);
  await c.query('delete from bench_index_builds where schema = $1 and name = $2', [schema, name]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/medic_test';
  const info = await ensureVectors(base, { reseed: process.argv.includes('--reseed') });
  console.log(`${info.reused ? 'reused' : 'built'} ${VECTORS_DB} (seeded ${info.seededAt.toISOString()}) in ${info.seconds.toFixed(1)} s`);
}
