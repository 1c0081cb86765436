import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';

/** A Postgres connection pool; every query in Medic goes through one, whatever the store. */
export type Pool = pg.Pool;
/** A connection checked out of the pool, used for transactions. */
export type Client = pg.PoolClient;
/** Anything that can run a query: the pool, or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>;

/** The store Medic is on and how to release it. */
export interface Database {
  readonly pool: Pool;
  /** `postgres` for a server from DATABASE_URL, `embedded` for PGlite in-process. */
  readonly kind: 'postgres' | 'embedded';
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  /** Folder for the embedded store; `memory://` keeps it in memory (tests). */
  dataDir: string;
  /** Connections to a PostgreSQL server. @defaultValue 10 */
  maxConnections?: number;
}

// timestamptz and bigint come back as strings from pg by default; Medic wants numbers for
// counts and ids (all well below 2^53) so that JSON answers carry numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

/**
 * Shared buffers of the embedded store. PGlite's default, 128MB, is zeroed in WebAssembly at every
 * start (about 0.35 s on a 2-core machine); the embedded store's pages also sit in the operating
 * system's file cache, so a smaller pool costs a system call on a miss, not a disk read. `medic
 * demo` runs as fast on 16MB as on 128MB, and a server starts 0.3 s sooner.
 * @defaultValue 16MB
 */
export const EMBEDDED_SHARED_BUFFERS = '16MB';

/**
 * HNSW candidate list size for similarity queries. With the graph of `signatures/search-index.ts`
 * (ef_construction 128), 64 finds 96 % of the true ten nearest at 1M signatures in about 4.5 ms;
 * pgvector's default, 40, finds 92 % (`npm run bench:signatures`).
 * @defaultValue 64
 */
export const EF_SEARCH = 64;

// Pools on a PostgreSQL server, which take `COPY … FROM STDIN`; PGlite's pg adapter cannot stream it.
const copyCapable = new WeakSet<Pool>();

/** True when `pool` reaches a PostgreSQL server, so that bulk writes can use COPY. */
export function canCopyFrom(pool: Pool): boolean {
  return copyCapable.has(pool);
}

/** Opens the store: a PostgreSQL server when a URL is given, else embedded PGlite with pgvector. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.maxConnections ?? 10,
      // pgvector's default ef_search (40) trades recall for speed; similar-incident search wants recall (EF_SEARCH).
      options: `-c hnsw.ef_search=${EF_SEARCH}`,
    });
    pool.on('error', () => {
      // An idle client lost its connection (server restart); the pool replaces it on next use.
    });
    copyCapable.add(pool);
    return { pool, kind: 'postgres', close: () => pool.end() };
  }
  return openEmbedded(options.dataDir);
}

async function openEmbedded(dataDir: string): Promise<Database> {
  // Loaded lazily: a server deployment never pays for the WebAssembly build.
  const [{ PGlite }, { vector }, { createPgConfig }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-pgvector'),
    import('@electric-sql/pglite/node-postgres'),
  ]);
  const dir = dataDir.startsWith('memory://') ? dataDir : join(dataDir, 'pgdata');
  if (!dir.startsWith('memory://')) await mkdir(dir, { recursive: true });
  const lite = await PGlite.create({
    dataDir: dir,
    extensions: { vector },
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${EMBEDDED_SHARED_BUFFERS}`],
  });
  await lite.exec(`set hnsw.ef_search = ${EF_SEARCH}`);
  const pool = new pg.Pool(createPgConfig(lite));
  return {
    pool,
    kind: 'embedded',
    close: async () => {
      await pool.end();
      await lite.close();
    },
  };
}

/**
 * A second, small pool on the same PostgreSQL server for one kind of work, so that it neither
 * waits behind nor starves the main pool: the decision endpoint's lookups (with a statement
 * timeout, so that a lookup it gave up on stops holding a connection) and the decision log.
 */
export function openSidePool(databaseUrl: string, options: { max: number; name: string; statementTimeoutMs?: number }): Pool {
  const settings = [`-c hnsw.ef_search=${EF_SEARCH}`, `-c application_name=${options.name}`];
  if (options.statementTimeoutMs) settings.push(`-c statement_timeout=${options.statementTimeoutMs}`);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.max, options: settings.join(' ') });
  pool.on('error', () => {
    // As for the main pool: a lost idle connection is replaced on next use.
  });
  return pool;
}

/** Runs `fn` in a transaction on one client, committing on success and rolling back on error. */
export async function withTransaction<T>(pool: Pool, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has no error listener of the pool's: a server that goes away mid-transaction
  // would emit an unhandled 'error' and end the process. The failed query rejects anyway; the
  // client is then released broken, so the pool drops it.
  let broken: Error | undefined;
  const onError = (err: Error) => {
    broken = err;
  };
  client.on('error', onError);
  try {
    await client.query('begin');
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
