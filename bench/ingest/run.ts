/**
 * Sustained ingest into the store, side by side with a raw COPY of the same rows (the physical
 * limit of this machine's PostgreSQL): every row ingest stored (payloads, events, runs, attempts)
 * COPYed into twins of its tables, foreign keys included. Also the CPU seconds ingest cost in
 * Node and in PostgreSQL's backends. `npm run bench:ingest [-- --events N --lanes 4 --batch 1000
 * --embedded-events 40000]`. Needs DATABASE_URL for the PostgreSQL figures; always measures the
 * embedded store. `ingestFigures` (figures.ts) is the same measurement for bench:limits.
 */
import { Worker } from 'node:worker_threads';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/pool.ts';
import { MIGRATIONS_DIR } from '../../src/runtime.ts';
import { copyBaseline, copyEventsAndPayloads, fmt, freshServerDatabase, ingestAll, printTable, type Rate } from './measure.ts';
import { openLineageEvents } from './ol-events.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

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

async function main(): Promise<void> {
  const total = arg('events', 200_000);
  const lanes = arg('lanes', 4);
  const batch = arg('batch', 1_000);
  const embeddedEvents = arg('embedded-events', 40_000);
  console.log(`ingest bench: OpenLineage START/COMPLETE events with Airflow facets, batches of ${batch} payloads, ${lanes} concurrent batches\n`);
  const rows: string[][] = [];
  const cpu = (r: { nodeCpuSeconds: number; pgCpuSeconds: number | undefined }) => [r.nodeCpuSeconds.toFixed(2), r.pgCpuSeconds?.toFixed(2) ?? '–'];
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
      const before = await copyEventsAndPayloads(fresh.url);
      rows.push(['postgres: medic ingest', fmt(rate.events), rate.seconds.toFixed(2), fmt(rate.perSecond), ...cpu(rate)]);
      rows.push(['postgres: same events again (all duplicates)', fmt(payloads.length), again.seconds.toFixed(2), fmt(payloads.length / again.seconds), ...cpu(again)]);
      rows.push(['postgres: two ingest processes, new events', fmt(parallel.events), parallel.seconds.toFixed(2), fmt(parallel.perSecond), '', '']);
      rows.push(['postgres: raw COPY of the stored rows', fmt(copy.events), copy.seconds.toFixed(2), fmt(copy.perSecond), '', '']);
      rows.push(['  (payloads, events, runs, attempts; their indexes and foreign keys)', '', '', '', '', '']);
      rows.push(['postgres: raw COPY of event and payload rows', fmt(before.events), before.seconds.toFixed(2), fmt(before.perSecond), '', '']);
      rows.push(['postgres: ingest / COPY (one process)', '', '', (rate.perSecond / copy.perSecond).toFixed(2), '', '']);
      rows.push(['postgres: ingest / COPY (two processes)', '', '', (parallel.perSecond / copy.perSecond).toFixed(2), '', '']);
      rows.push(['postgres: ingest / COPY of events, payloads', '', '', (rate.perSecond / before.perSecond).toFixed(2), '', '']);
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
  rows.push(['embedded (PGlite, in memory)', fmt(embedded.events), embedded.seconds.toFixed(2), fmt(embedded.perSecond), embedded.nodeCpuSeconds.toFixed(2), '']);
  printTable(['path', 'events', 'seconds', 'events/s', 'Node CPU s', 'PG CPU s'], rows, [48, 10, 9, 12, 11, 9]);
}

await main();
