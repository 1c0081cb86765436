/**
 * Ingest beside COPY of the same rows, as one set of figures for a combined bench (bench:limits):
 * a fresh database on the PostgreSQL server at `baseUrl`, OpenLineage events through the full
 * ingest path (batches of 1,000, four in flight), then a raw COPY of every row they stored.
 */
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/pool.ts';
import { MIGRATIONS_DIR } from '../../src/runtime.ts';
import { copyBaseline, fmt, freshServerDatabase, ingestAll, printTable, type IngestRate } from './measure.ts';
import { openLineageEvents } from './ol-events.ts';

export interface IngestFigures {
  events_per_s: number;
  /** Events whose rows (payload, event, and their share of runs and attempts) a raw COPY writes per second. */
  copy_rows_per_s: number;
  /** events_per_s / copy_rows_per_s. */
  ratio: number;
}

/** Measures ingest and COPY on a database of its own beside `baseUrl`'s (a PostgreSQL URL), prints a small table, and drops it. */
export async function ingestFigures(baseUrl: string, opts: { events?: number } = {}): Promise<IngestFigures> {
  const total = opts.events ?? 200_000;
  const fresh = await freshServerDatabase(baseUrl);
  try {
    const db = await openDatabase({ databaseUrl: fresh.url, dataDir: 'unused' });
    let rate: IngestRate;
    try {
      await migrate(db.pool, await readMigrations(MIGRATIONS_DIR));
      const payloads = openLineageEvents(total, 1);
      await ingestAll(db, openLineageEvents(4_000, 99), 1_000, 4); // warm-up on other runs
      rate = await ingestAll(db, payloads, 1_000, 4);
    } finally {
      await db.close();
    }
    const copy = await copyBaseline(fresh.url);
    const ratio = rate.perSecond / copy.perSecond;
    const share = rate.pgCpuSeconds === undefined
      ? `– (Node ${rate.nodeCpuSeconds.toFixed(1)} s; PostgreSQL not on this machine)`
      : `${Math.round((100 * rate.nodeCpuSeconds) / (rate.nodeCpuSeconds + rate.pgCpuSeconds))} % (Node ${rate.nodeCpuSeconds.toFixed(1)} s, PostgreSQL ${rate.pgCpuSeconds.toFixed(1)} s)`;
    console.log(`ingest of ${fmt(rate.events)} OpenLineage events (batches of 1,000, 4 in flight) beside a raw COPY of the rows they stored`);
    printTable(['events', 'seconds', 'events/s', 'COPY rows/s', 'ratio', 'Node CPU share'], [
      [fmt(rate.events), rate.seconds.toFixed(2), fmt(rate.perSecond), fmt(copy.perSecond), ratio.toFixed(2), share],
    ], [9, 8, 9, 12, 6, 16], 'right');
    console.log('COPY rows/s: events whose rows (payload, event, and their share of runs and attempts) COPY writes a second, into twins of the tables');
    return { events_per_s: Math.round(rate.perSecond), copy_rows_per_s: Math.round(copy.perSecond), ratio: Number(ratio.toFixed(3)) };
  } finally {
    await fresh.drop();
  }
}
