/**
 * Sustained ingest into the store, side by side with a raw COPY of the same rows (the physical
 * limit of this machine's PostgreSQL). `npm run bench:ingest [-- --events N]`.
 * Needs DATABASE_URL for the PostgreSQL figures; always measures the embedded store.
 */
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { openDatabase, type Database } from '../../src/db/pool.ts';
import { createInProcessQueue } from '../../src/queue/in-process.ts';
import { MIGRATIONS_DIR } from '../../src/runtime.ts';
import { Worker } from 'node:worker_threads';
import { ingestInLanes } from './lanes.ts';
import { openLineageEvents } from './ol-events.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

interface Rate {
  events: number;
  seconds: number;
  perSecond: number;
}

/** Ingests `payloads` through the full path (adapter, dedupe, fold, upserts) with `lanes` concurrent batches. */
async function ingestAll(db: Database, payloads: unknown[], batch: number, lanes: number): Promise<Rate> {
  const queue = createInProcessQueue(); // failures are queued, not analysed: this measures ingest alone
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const events = await ingestInLanes(db.pool, queue, payloads, batch, lanes);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  if (process.env.BENCH_CPU) console.error(`node cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s of ${seconds.toFixed(2)} s`);
  await queue.close();
  return { events, seconds, perSecond: events / seconds };
}

/** The same ingest from `processes` worker threads at once, each with its own pool (stateless API replicas). */
async function ingestInParallel(url: string, count: number, seed: number, processes: number, batch: number, lanes: number): Promise<Rate> {
  const workers = Array.from({ length: processes }, (_, offset) => new Worker(new URL('./worker.mjs', import.meta.url), {
    workerData: { url, count, seed, offset, stride: processes, batch, lanes },
  }));
  const message = (w: Worker, key: string) => new Promise<{ accepted?: number }>((resolve, reject) => {
    const on = (m: Record<string, unknown>) => {
      if (m[key]) { w.off('message', on); resolve(m); }
    };
    w.on('message', on);
    w.once('error', reject);
  });
  await Promise.all(workers.map((w) => message(w, 'ready')));
  const started = performance.now();
  const done = workers.map((w) => message(w, 'done'));
  for (const w of workers) w.postMessage('go');
  const results = await Promise.all(done);
  const seconds = (performance.now() - started) / 1000;
  const events = results.reduce((s, r) => s + (r.accepted ?? 0), 0);
  return { events, seconds, perSecond: events / seconds };
}

/** COPYs the stored event and payload rows, as stored, into empty twins of their tables. */
async function copyBaseline(url: string): Promise<Rate> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('create table copy_events (like run_events including all)');
  await client.query('create table copy_payloads (like ingest_payloads including all)');
  const events = (await client.query(`select count(*)::int as n from run_events`)).rows[0].n as number;
  // Rows leave as text into memory first so that only the COPY in is timed.
  const dump = async (table: string) => {
    const chunks: Buffer[] = [];
    await pipeline(client.query(copyStreams.to(`copy ${table} to stdout`)), async function* (src) {
      for await (const c of src) chunks.push(c as Buffer);
    });
    return chunks;
  };
  const eventRows = await dump('(select dedupe_key, source, orchestrator, job_id, run_key, attempt, external_id, event_type, event_time, payload_sha256, normalized, received_at from run_events)');
  const payloadRows = await dump('ingest_payloads');
  const started = performance.now();
  await pipeline(Readable.from(eventRows), client.query(copyStreams.from(
    'copy copy_events (dedupe_key, source, orchestrator, job_id, run_key, attempt, external_id, event_type, event_time, payload_sha256, normalized, received_at) from stdin')));
  await pipeline(Readable.from(payloadRows), client.query(copyStreams.from('copy copy_payloads from stdin')));
  const seconds = (performance.now() - started) / 1000;
  await client.end();
  return { events, seconds, perSecond: events / seconds };
}

async function freshServerDatabase(base: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `medic_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const total = arg('events', 200_000);
  const lanes = arg('lanes', 4);
  const batch = arg('batch', 1_000);
  const embeddedEvents = arg('embedded-events', 40_000);
  console.log(`ingest bench: OpenLineage START/COMPLETE events with Airflow facets, batches of ${batch} payloads, ${lanes} concurrent batches\n`);
  const rows: string[][] = [];
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) {
    const fresh = await freshServerDatabase(serverUrl);
    try {
      const db = await openDatabase({ databaseUrl: fresh.url, dataDir: 'unused' });
      await migrate(db.pool, await readMigrations(MIGRATIONS_DIR));
      const payloads = openLineageEvents(total, 1);
      await ingestAll(db, openLineageEvents(4_000, 99), batch, lanes); // warm-up on other runs
      const rate = await ingestAll(db, payloads, batch, lanes);
      const again = await ingestAll(db, payloads, batch, lanes);
      await db.close();
      const parallel = await ingestInParallel(fresh.url, total, 3, 2, batch, 2);
      const copy = await copyBaseline(fresh.url);
      rows.push(['postgres: medic ingest', fmt(rate.events), rate.seconds.toFixed(2), fmt(rate.perSecond)]);
      rows.push(['postgres: same events again (all duplicates)', fmt(payloads.length), again.seconds.toFixed(2), fmt(payloads.length / again.seconds)]);
      rows.push(['postgres: two ingest processes, new events', fmt(parallel.events), parallel.seconds.toFixed(2), fmt(parallel.perSecond)]);
      rows.push(['postgres: raw COPY of the stored rows', fmt(copy.events), copy.seconds.toFixed(2), fmt(copy.perSecond)]);
      rows.push(['postgres: ingest / COPY (one process)', '', '', (rate.perSecond / copy.perSecond).toFixed(2)]);
      rows.push(['postgres: ingest / COPY (two processes)', '', '', (parallel.perSecond / copy.perSecond).toFixed(2)]);
    } catch (err) {
      console.error('postgres bench failed:', err);
      throw err;
    } finally {
      await fresh.drop();
    }
  } else {
    console.log('DATABASE_URL is not set: skipping the PostgreSQL figures\n');
  }
  const lite = await openDatabase({ databaseUrl: undefined, dataDir: 'memory://' });
  await migrate(lite.pool, await readMigrations(MIGRATIONS_DIR));
  const embedded = await ingestAll(lite, openLineageEvents(embeddedEvents, 2), 1_000, 1);
  await lite.close();
  rows.push(['embedded (PGlite, in memory)', fmt(embedded.events), embedded.seconds.toFixed(2), fmt(embedded.perSecond)]);
  const widths = [46, 10, 9, 12];
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log(line(['path', 'events', 'seconds', 'events/s']));
  for (const r of rows) console.log(line(r));
}

await main();
