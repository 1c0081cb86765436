/**
 * The decision bench's database: `medic_bench_decide` beside the one in DATABASE_URL (never that one),
 * migrated with Medic's migrations and seeded with set-based SQL — 2,000 jobs, 1M runs with their
 * attempts, ~20k signatures mined and embedded by Medic itself, 100k incidents with resolutions,
 * six services with forecasts and a decision log with history. A marker row makes the seed
 * reusable; `--reseed` rebuilds it. Run alone: `tsx bench/decide/seed.ts [--reseed]`.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { openDatabase, type Pool } from '../../src/db/pool.ts';
import { seeded } from '../../src/demo/random.ts';
import { toVector } from '../../src/incidents/sql.ts';
import { MIGRATIONS_DIR } from '../../src/runtime.ts';
import { signatureIndexSql } from '../../src/signatures/search-index.ts';
import { sweep } from '../../src/sla/risks.ts';
import { candidateFamilies, ciFamilies, loghubEvents } from './corpus.ts';
import { collectFailures, createHelpers, insertAttempts, insertIncidents, insertJobs, insertRuns } from './seed-sql.ts';
import { applyServices, insertDecisionHistory, insertLineage, seedJobs } from './seed-world.ts';
import { mineSignatures, type SeedSignature } from './signatures.ts';
import { zipfSampler } from './zipf.ts';

/** Bump when the seed's shape changes: an older seed is then rebuilt. */
const SEED_VERSION = 'decide-seed-1';
export const BENCH_DB = 'medic_bench_decide';
const TARGET_SIGNATURES = 20_000;
const INCIDENTS = 100_000;
const HISTORY_DECISIONS = 200_000;
/** How skewed failures are over signatures: the top one holds ~6 % of the incidents. */
export const ZIPF_S = 0.9;

export interface SeedInfo {
  url: string;
  reused: boolean;
  seededAt: Date;
  seconds: number;
  sizes: Record<string, number>;
  /** Candidate-family index of each seeded signature, most popular first (CI families excluded). */
  families: number[];
}

export const defaultBaseUrl = () => process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/medic_test';

function benchUrl(base: string): string {
  const u = new URL(base);
  u.pathname = `/${BENCH_DB}`;
  return u.toString();
}

async function admin<T>(base: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function readMarker(url: string): Promise<Omit<SeedInfo, 'url' | 'reused' | 'seconds'> | undefined> {
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
  } catch {
    return undefined; // no bench database yet
  }
  try {
    const r = await c.query<{ version: string; seeded_at: Date; sizes: Record<string, number>; families: number[] }>(
      `select version, seeded_at, sizes, families from bench_seed`).catch(() => undefined);
    const row = r?.rows[0];
    return row && row.version === SEED_VERSION ? { seededAt: row.seeded_at, sizes: row.sizes, families: row.families } : undefined;
  } finally {
    await c.end();
  }
}

const step = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
  const t = performance.now();
  const out = await fn();
  console.log(`  seed: ${label.padEnd(46)} ${((performance.now() - t) / 1000).toFixed(1).padStart(6)} s`);
  return out;
};

async function copySignatures(pool: Pool, sigs: SeedSignature[], at: Date): Promise<void> {
  const esc = (s: string | null) => (s === null ? '\\N' : s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r'));
  const client = await pool.connect();
  try {
    await client.query('drop index if exists signatures_embedding_idx'); // built once after the load: much faster than row by row
    const lines = function* () {
      for (const s of sigs) {
        yield `${[s.fingerprint, s.clusterId, s.template, s.exceptionType, s.language, JSON.stringify(s.topFrames), s.sample.slice(0, 4_000), toVector(s.embedding), at.toISOString(), at.toISOString()]
          .map(esc).join('\t')}\n`;
      }
    };
    await pipeline(Readable.from(lines()), client.query(copyStreams.from(
      'copy signatures (fingerprint, cluster_id, template, exception_type, language, top_frames, sample, embedding, first_seen_at, last_seen_at) from stdin')));
    await client.query(`set maintenance_work_mem = '1GB'`);
    // The same index as the migrations create (migrations/021_signature_graph.sql).
    await client.query(signatureIndexSql());
    await client.query('analyze signatures');
  } finally {
    client.release();
  }
}

async function sizesOf(pool: Pool): Promise<Record<string, number>> {
  const count = async (sql: string) => Number((await pool.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
  const tables = ['jobs', 'runs', 'run_attempts', 'signatures', 'incidents', 'incident_runs', 'resolutions', 'services', 'service_forecasts', 'job_edges', 'dataset_stats', 'decisions'];
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = await count(`select count(*) as n from ${t}`);
  out['failed attempts'] = await count(`select count(*) as n from run_attempts where state = 'failed'`);
  out['database MB'] = Math.round((await count(`select pg_database_size(current_database()) as n`)) / 1e6);
  return out;
}

async function build(url: string): Promise<Omit<SeedInfo, 'url' | 'reused' | 'seconds'>> {
  const now = new Date();
  const db = await openDatabase({ databaseUrl: url, dataDir: 'unused' });
  const pool = db.pool;
  try {
    await step('migrations', async () => migrate(pool, await readMigrations(MIGRATIONS_DIR)));
    await pool.query(`insert into embedder_state (embedder, dimensions) values ('hashing-v1-256', 256)`);
    await createHelpers(pool);
    await step('2,000 jobs', () => insertJobs(pool, seedJobs()));
    const mined = await step('signatures: mine, derive, embed (Medic code)', async () => mineSignatures(candidateFamilies(loghubEvents()), TARGET_SIGNATURES, ciFamilies()));
    await pool.query(`insert into miner_state (version, state) values (1, $1)`, [JSON.stringify(mined.minerState)]);
    await step(`signatures: COPY ${mined.signatures.length} + HNSW index`, () => copySignatures(pool, mined.signatures, now));
    await step('runs', () => insertRuns(pool, now));
    const failed = await step('failed attempts', () => collectFailures(pool));
    const zipf = zipfSampler(mined.signatures.length, ZIPF_S, seeded(13));
    const signatureOf = Array.from({ length: Math.min(INCIDENTS, failed) }, () => zipf() + 1); // ids follow the COPY order
    await step('incidents, incident runs, resolutions', () => insertIncidents(pool, signatureOf.length, signatureOf));
    await step('run attempts', () => insertAttempts(pool));
    await step('lineage and dataset sizes', () => insertLineage(pool));
    await step('services and their forecasts (sweep)', async () => {
      await applyServices(pool);
      await sweep(pool, now);
    });
    await step(`decision history (${HISTORY_DECISIONS.toLocaleString('en-US')} rows)`, () => insertDecisionHistory(pool, HISTORY_DECISIONS, now));
    await pool.query('drop table bench_failed');
    await step('vacuum analyze', () => pool.query('vacuum analyze'));
    const sizes = await sizesOf(pool);
    const families = mined.signatures.filter((s) => !s.ci).map((s) => s.family);
    await pool.query(`create table bench_seed (singleton boolean primary key default true, version text not null, seeded_at timestamptz not null,
      sizes jsonb not null, families int[] not null)`);
    await pool.query('insert into bench_seed (version, seeded_at, sizes, families) values ($1, $2, $3, $4)', [SEED_VERSION, now, sizes, families]);
    return { seededAt: now, sizes, families };
  } finally {
    await db.close();
  }
}

/** The seeded bench database: reused when its marker matches, else (or with `reseed`) built anew. */
export async function ensureSeed(base: string, options: { reseed: boolean }): Promise<SeedInfo> {
  const url = benchUrl(base);
  if (new URL(base).pathname === `/${BENCH_DB}`) throw new Error(`DATABASE_URL must name another database than ${BENCH_DB}: the bench drops and recreates it`);
  const t = performance.now();
  const found = options.reseed ? undefined : await readMarker(url);
  if (found) return { url, reused: true, seconds: (performance.now() - t) / 1000, ...found };
  await admin(base, async (c) => {
    await c.query(`drop database if exists ${BENCH_DB} with (force)`);
    await c.query(`create database ${BENCH_DB}`);
  });
  const built = await build(url);
  return { url, reused: false, seconds: (performance.now() - t) / 1000, ...built };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const info = await ensureSeed(defaultBaseUrl(), { reseed: process.argv.includes('--reseed') });
  console.log(`${info.reused ? 'reused' : 'built'} ${BENCH_DB} (seeded ${info.seededAt.toISOString()}) in ${info.seconds.toFixed(1)} s`);
  console.log(info.sizes);
}
