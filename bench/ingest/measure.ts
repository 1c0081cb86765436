/**
 * What the ingest benches measure, shared by `npm run bench:ingest` and `ingestFigures` (bench:limits):
 * ingest through the full path, the CPU it costs in Node and in PostgreSQL, and a raw COPY of the
 * same rows into tables like the ones ingest writes.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import type { Database } from '../../src/db/pool.ts';
import { createInProcessQueue } from '../../src/queue/in-process.ts';
import { ingestInLanes } from './lanes.ts';

export interface Rate {
  events: number;
  seconds: number;
  perSecond: number;
}

export interface IngestRate extends Rate {
  /** CPU seconds of this Node process (all its threads) while it ingested. */
  nodeCpuSeconds: number;
  /** CPU seconds of the PostgreSQL backends serving the pool; undefined when they cannot be read (a remote server). */
  pgCpuSeconds: number | undefined;
}

export async function freshServerDatabase(base: string): Promise<{ url: string; drop: () => Promise<void> }> {
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

/** CPU seconds so far of the server processes (backends) connected to the pool's database, when on this machine. */
async function backendCpu(db: Database): Promise<{ pids: number[]; seconds: number } | undefined> {
  if (db.kind !== 'postgres') return undefined;
  const r = await db.pool.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database()');
  let ticks = 0;
  try {
    for (const { pid } of r.rows) {
      // Fields after the command name: utime and stime are the 12th and 13th (clock ticks, 100 a second).
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      ticks += Number(f[11]) + Number(f[12]);
    }
  } catch {
    return undefined; // another machine's server, or no /proc
  }
  return Number.isFinite(ticks) ? { pids: r.rows.map((x) => x.pid), seconds: ticks / 100 } : undefined;
}

/** Ingests `payloads` through the full path (adapter, dedupe, fold, upserts) with `lanes` concurrent batches. */
export async function ingestAll(db: Database, payloads: unknown[], batch: number, lanes: number): Promise<IngestRate> {
  const queue = createInProcessQueue(); // failures are queued, not analysed: this measures ingest alone
  const pgBefore = await backendCpu(db);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const events = await ingestInLanes(db.pool, queue, payloads, batch, lanes);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const pgAfter = await backendCpu(db);
  await queue.close();
  // Backends that came or went meanwhile make the reading wrong, not just rough: leave it out then.
  const samePids = pgBefore && pgAfter && pgBefore.pids.join() === pgAfter.pids.join();
  return {
    events, seconds, perSecond: events / seconds,
    nodeCpuSeconds: (cpu.user + cpu.system) / 1e6,
    pgCpuSeconds: samePids ? pgAfter.seconds - pgBefore.seconds : undefined,
  };
}

// The tables ingest writes, in the order their foreign keys need; each gets an empty twin.
const TABLES = ['ingest_payloads', 'run_events', 'runs', 'run_attempts'];
const twin = (table: string) => `copy_${table}`;

/**
 * COPYs every row ingest stored (payloads, events, runs and attempts), as stored, into empty twins
 * of their tables with the same columns, indexes, constraints and foreign keys, and rates it by
 * the events whose rows it wrote: the physical limit of this machine's PostgreSQL for what ingest
 * writes. Rows leave as text into memory first so that only the COPY in is timed.
 */
export async function copyBaseline(url: string): Promise<Rate> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const events = (await client.query<{ n: number }>('select count(*)::int as n from run_events')).rows[0]?.n ?? 0;
    const plan: { table: string; columns: string; rows: Buffer[] }[] = [];
    for (const table of TABLES) {
      await client.query(`create table ${twin(table)} (like ${table} including all)`);
      // LIKE leaves foreign keys out; the twins check theirs as ingest's tables do, a twin's
      // reference to another of these tables pointing at that table's twin.
      const fks = await client.query<{ def: string }>(
        `select pg_get_constraintdef(oid) as def from pg_constraint where conrelid = $1::regclass and contype = 'f'`, [table]);
      for (const { def } of fks.rows) {
        const to = /REFERENCES (\w+)\(/.exec(def)?.[1] ?? '';
        const target = TABLES.includes(to) ? def.replace(`REFERENCES ${to}(`, `REFERENCES ${twin(to)}(`) : def;
        await client.query(`alter table ${twin(table)} add ${target}`);
      }
      // Generated columns are computed, never copied.
      const cols = await client.query<{ name: string }>(
        `select attname as name from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped and attgenerated = '' order by attnum`, [table]);
      const columns = cols.rows.map((c) => c.name).join(', ');
      const rows: Buffer[] = [];
      await pipeline(client.query(copyStreams.to(`copy ${table} (${columns}) to stdout`)), async function* (src) {
        for await (const c of src) rows.push(c as Buffer);
      });
      plan.push({ table, columns, rows });
    }
    const started = performance.now();
    for (const p of plan) {
      await pipeline(Readable.from(p.rows), client.query(copyStreams.from(`copy ${twin(p.table)} (${p.columns}) from stdin`)));
    }
    const seconds = (performance.now() - started) / 1000;
    return { events, seconds, perSecond: events / seconds };
  } finally {
    await client.end();
  }
}

/** COPY of the event and payload rows only, the figure this bench compared with before it copied runs and attempts too. */
export async function copyEventsAndPayloads(url: string): Promise<Rate> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const events = (await client.query<{ n: number }>('select count(*)::int as n from run_events')).rows[0]?.n ?? 0;
    await client.query('create table copy2_events (like run_events including all)');
    await client.query('create table copy2_payloads (like ingest_payloads including all)');
    const dump = async (what: string) => {
      const chunks: Buffer[] = [];
      await pipeline(client.query(copyStreams.to(`copy ${what} to stdout`)), async function* (src) {
        for await (const c of src) chunks.push(c as Buffer);
      });
      return chunks;
    };
    const columns = 'dedupe_key, source, orchestrator, job_id, run_key, attempt, external_id, event_type, event_time, payload_sha256, normalized, received_at';
    const eventRows = await dump(`(select ${columns} from run_events)`);
    const payloadRows = await dump('ingest_payloads');
    const started = performance.now();
    await pipeline(Readable.from(eventRows), client.query(copyStreams.from(`copy copy2_events (${columns}) from stdin`)));
    await pipeline(Readable.from(payloadRows), client.query(copyStreams.from('copy copy2_payloads from stdin')));
    const seconds = (performance.now() - started) / 1000;
    return { events, seconds, perSecond: events / seconds };
  } finally {
    await client.end();
  }
}

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Prints rows under a header, the first column left-aligned (unless `first` says right) and the others right-aligned. */
export function printTable(header: string[], rows: string[][], widths: number[], first: 'left' | 'right' = 'left'): void {
  const line = (r: string[]) => r.map((c, i) => (i === 0 && first === 'left' ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}
