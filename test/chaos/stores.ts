/** The stores a fault runs against: a fresh PostgreSQL database, or an embedded folder that outlives its process. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/pool.ts';
import { testStores } from '../support/stores.ts';

export interface ChaosStore {
  name: 'postgres' | 'embedded';
  /** What `medic serve` is started with to use it. */
  env: Record<string, string>;
  /** Reads the store. The embedded one is opened for the read, so only while no process holds it. */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function postgresStore(): Promise<ChaosStore> {
  const server = testStores().find((s) => s.name === 'postgres');
  if (!server) throw new Error('needs DATABASE_URL');
  const db = await server.open();
  return {
    name: 'postgres', env: { DATABASE_URL: db.url ?? '' },
    query: async <T>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[],
    close: () => db.close(),
  };
}

export async function embeddedStore(): Promise<ChaosStore> {
  const dir = await mkdtemp(join(tmpdir(), 'medic-chaos-'));
  return {
    name: 'embedded', env: { MEDIC_DATA_DIR: dir, DATABASE_URL: '' },
    async query<T>(sql: string, params: unknown[] = []) {
      const db = await openDatabase({ databaseUrl: undefined, dataDir: dir });
      try {
        return (await db.pool.query(sql, params)).rows as T[];
      } finally {
        await db.close();
      }
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
