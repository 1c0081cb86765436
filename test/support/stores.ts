import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { openDatabase, type Database } from '../../src/db/pool.ts';
import { MIGRATIONS_DIR } from '../../src/runtime.ts';
import { recordRows } from './secret-record.ts';

/**
 * The stores integration tests run against: always the embedded PGlite, and the PostgreSQL
 * server named by DATABASE_URL when it is set (CI sets it). Each test database is new and
 * migrated, and dropped afterwards (its rows recorded first for the secrets scan, when one runs).
 */
export interface TestStore {
  name: 'embedded' | 'postgres';
  open(): Promise<TestDatabase>;
}

export interface TestDatabase extends Database {
  /** The URL of the fresh server database, for code that opens its own pool. */
  url: string | undefined;
}

/**
 * The embedded store, and PostgreSQL when `DATABASE_URL` is set; `MEDIC_TEST_STORES` (e.g.
 * `postgres`) keeps only the ones it names, so CI can run each store on a Node version of its own.
 */
export function testStores(): TestStore[] {
  const stores: TestStore[] = [{ name: 'embedded', open: openEmbedded }];
  const url = process.env.DATABASE_URL;
  if (url) stores.push({ name: 'postgres', open: () => openFreshServerDatabase(url) });
  const only = (process.env.MEDIC_TEST_STORES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return only.length === 0 ? stores : stores.filter((s) => only.includes(s.name));
}

async function openEmbedded(): Promise<TestDatabase> {
  const db = await openDatabase({ databaseUrl: undefined, dataDir: 'memory://' });
  await migrate(db.pool, await readMigrations(MIGRATIONS_DIR));
  return {
    ...db,
    url: undefined,
    close: async () => {
      await recordRows(db.pool, 'embedded');
      await db.close();
    },
  };
}

async function openFreshServerDatabase(baseUrl: string): Promise<TestDatabase> {
  const name = `medic_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.toString(), dataDir: 'unused' });
  await migrate(db.pool, await readMigrations(MIGRATIONS_DIR));
  return {
    ...db,
    kind: 'postgres',
    url: url.toString(),
    close: async () => {
      await recordRows(db.pool, name);
      await db.close();
      const again = new pg.Client({ connectionString: baseUrl });
      await again.connect();
      await again.query(`drop database if exists ${name} with (force)`);
      await again.end();
    },
  };
}
