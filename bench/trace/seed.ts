/**
 * The trace bench's database: `medic_bench_trace` beside the one in DATABASE_URL (never that one),
 * migrated with Medic's migrations and seeded with set-based SQL — the decision bench's 2,000
 * filler jobs with 500 runs each (1M runs, their attempts, lineage, the dataset size of every
 * completed run, and six services), and `group-close`, a service of 1,000 jobs with 30 daily instances (30k runs)
 * applied through `applyService`. A marker row makes the seed reusable; `--reseed` rebuilds it.
 * Run alone: `tsx bench/trace/seed.ts [--reseed]`.
 */
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { openDatabase, type Pool } from '../../src/db/pool.ts';
import { MIGRATIONS_DIR } from '../../src/runtime.ts';
import { applyService } from '../../src/sla/sql.ts';
import { createHelpers, insertJobs, insertRuns } from '../decide/seed-sql.ts';
import { defaultBaseUrl } from '../decide/seed.ts';
import { applyServices, insertLineage, seedJobs } from '../decide/seed-world.ts';
import { definitionOf, groupClose, lastDayFailure, SERVICE } from './dag.ts';
import { copyErrors, DAY0, DAYS, insertAttempts, insertFillerSizes, insertServiceJobs, insertServiceLineage, insertServiceRuns, insertServiceSizes, runKeyOf } from './seed-sql.ts';

/** Bump when the seed's shape changes: an older seed is then rebuilt. */
const SEED_VERSION = 'trace-seed-2';
export const BENCH_DB = 'medic_bench_trace';
/** The moment the seed stands at: the day after the last instance. */
export const SEED_AT = new Date(DAY0.getTime() + DAYS * 86_400_000);

export interface TraceSeed {
  url: string;
  reused: boolean;
  seconds: number;
  service: string;
  /** The run key of the last instance. */
  lastKey: string;
  /** The job that failed for good in the last instance, and how many jobs downstream of it never ran. */
  failed: { job: string; skipped: number };
  sizes: Record<string, number>;
}

type Marker = Omit<TraceSeed, 'url' | 'reused' | 'seconds'> & { seedSeconds: number };

function benchUrl(base: string): string {
  const u = new URL(base);
  u.pathname = `/${BENCH_DB}`;
  return u.toString();
}

async function readMarker(url: string): Promise<Marker | undefined> {
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
  } catch {
    return undefined; // no bench database yet
  }
  try {
    const r = await c.query<{ version: string; marker: Marker }>('select version, marker from bench_trace_seed').catch(() => undefined);
    const row = r?.rows[0];
    return row && row.version === SEED_VERSION ? row.marker : undefined;
  } finally {
    await c.end();
  }
}

const step = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
  const t = performance.now();
  const out = await fn();
  console.log(`  seed: ${label.padEnd(66)} ${((performance.now() - t) / 1000).toFixed(1).padStart(6)} s`);
  return out;
};

async function sizesOf(pool: Pool): Promise<Record<string, number>> {
  const count = async (sql: string) => Number((await pool.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
  const out: Record<string, number> = {};
  for (const t of ['jobs', 'runs', 'run_attempts', 'job_edges', 'job_datasets', 'dataset_stats', 'services']) out[t] = await count(`select count(*) as n from ${t}`);
  out['service runs'] = await count('select count(*) as n from runs r join bench_trace_jobs m on m.job_id = r.job_id');
  out['service failed attempts'] = await count(`select count(*) as n from run_attempts a join runs r on r.id = a.run_id join bench_trace_jobs m on m.job_id = r.job_id where a.state = 'failed'`);
  out['database MB'] = Math.round((await count('select pg_database_size(current_database()) as n')) / 1e6);
  return out;
}

async function build(url: string): Promise<Marker> {
  const t0 = performance.now();
  const dag = groupClose();
  const failure = lastDayFailure(dag);
  const db = await openDatabase({ databaseUrl: url, dataDir: 'unused', maxConnections: 2 });
  const pool = db.pool;
  try {
    await step('migrations', async () => migrate(pool, await readMigrations(MIGRATIONS_DIR)));
    await createHelpers(pool);
    const filler = seedJobs();
    await step(`${filler.length.toLocaleString('en-US')} filler jobs (the decision bench's)`, () => insertJobs(pool, filler));
    await step('filler runs (500 a job, in time order)', () => insertRuns(pool, SEED_AT));
    await step('filler lineage and dataset sizes (every completed run)', async () => {
      await insertLineage(pool);
      await insertFillerSizes(pool);
    });
    await step(`${SERVICE}: ${dag.jobs.length} jobs, ${dag.edges.length} edges, lineage`, async () => {
      await insertServiceJobs(pool, dag, failure);
      await insertServiceLineage(pool, dag);
    });
    await step(`${SERVICE}: ${DAYS} daily instances of runs`, () => insertServiceRuns(pool));
    await step('run attempts (filler)', () => insertAttempts(pool, 'not exists (select 1 from bench_trace_jobs m where m.job_id = r.job_id)', 120, 'bench: a failed attempt'));
    await step(`run attempts (${SERVICE})`, async () => {
      await insertAttempts(pool, 'r.job_id in (select job_id from bench_trace_jobs)', 30, 'ORA-01652: unable to extend temp segment by 128 in tablespace TEMP');
      await copyErrors(pool);
    });
    await step(`${SERVICE}: dataset sizes of every run`, () => insertServiceSizes(pool));
    await step(`services: the decision bench's six, and ${SERVICE} (applyService)`, async () => {
      await applyServices(pool);
      await applyService(pool, definitionOf(dag));
    });
    await step('vacuum analyze', () => pool.query('vacuum analyze'));
    const sizes = await sizesOf(pool);
    const marker: Marker = { service: SERVICE, lastKey: runKeyOf(DAYS - 1), failed: { job: failure.failed, skipped: failure.skipped.length }, sizes, seedSeconds: (performance.now() - t0) / 1000 };
    await pool.query('create table bench_trace_seed (singleton boolean primary key default true, version text not null, seeded_at timestamptz not null default now(), marker jsonb not null)');
    await pool.query('insert into bench_trace_seed (version, marker) values ($1, $2)', [SEED_VERSION, marker]);
    return marker;
  } finally {
    await db.close();
  }
}

/** The seeded bench database: reused when its marker matches, else (or with `reseed`) dropped and built anew. */
export async function ensureTraceSeed(base: string, options: { reseed: boolean }): Promise<TraceSeed & { seedSeconds: number }> {
  const url = benchUrl(base);
  if (new URL(base).pathname === `/${BENCH_DB}`) throw new Error(`DATABASE_URL must name another database than ${BENCH_DB}: the bench drops and recreates it`);
  const t = performance.now();
  const found = options.reseed ? undefined : await readMarker(url);
  if (found) return { url, reused: true, seconds: (performance.now() - t) / 1000, ...found };
  console.log(`seeding ${BENCH_DB} (${options.reseed ? '--reseed' : 'absent, or an older or unfinished seed'})`);
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${BENCH_DB} with (force)`);
    await admin.query(`create database ${BENCH_DB}`);
  } finally {
    await admin.end();
  }
  const built = await build(url);
  return { url, reused: false, seconds: (performance.now() - t) / 1000, ...built };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const info = await ensureTraceSeed(defaultBaseUrl(), { reseed: process.argv.includes('--reseed') });
  console.log(`${info.reused ? 'reused' : 'built'} ${BENCH_DB} in ${info.seconds.toFixed(1)} s${info.reused ? ` (seeded in ${info.seedSeconds.toFixed(0)} s)` : ''}`);
  console.log(info.sizes);
}
