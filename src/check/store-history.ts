import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { lockDataDir } from '../db/embedded-lock.ts';
import { openDatabase } from '../db/pool.ts';
import type { JobHistory } from './check.ts';
import { hasJobsTable, reportedJobs } from './sql.ts';

/** Whether to read the store: `true` (--store), `false` (--no-store), or when one is there. */
export type StoreChoice = boolean | undefined;

export interface OpenedHistory {
  history: JobHistory;
  close(): Promise<void>;
}

const none = (reason: string): OpenedHistory => ({ history: { kind: 'none', reason }, close: async () => {} });

/**
 * The jobs sources have reported, read from the store: the PostgreSQL server of `databaseUrl`,
 * else the embedded store in `dataDir` when it exists. Nothing is created or migrated: a check
 * only reads. With `choice` true a store that cannot be read is an error, not a skipped check.
 */
export async function openStoreHistory(store: { databaseUrl: string | undefined; dataDir: string }, choice: StoreChoice): Promise<OpenedHistory> {
  if (choice === false) return none('--no-store was given');
  const embedded = store.databaseUrl === undefined;
  if (embedded && !existsSync(join(store.dataDir, 'pgdata'))) {
    const why = `DATABASE_URL is unset and ${store.dataDir} holds no embedded store`;
    if (choice) throw new Error(`--store: ${why}`);
    return none(`no store to read: ${why} (set DATABASE_URL, or MEDIC_DATA_DIR to the embedded store's folder)`);
  }
  const unlock = embedded ? await lockDataDir(store.dataDir) : async () => {};
  const db = await openDatabase({ databaseUrl: store.databaseUrl, dataDir: store.dataDir, maxConnections: 2 }).catch(async (err: unknown) => {
    await unlock();
    throw err;
  });
  const close = async () => {
    await db.close();
    await unlock();
  };
  const ready = await hasJobsTable(db.pool).catch(async (err: unknown) => {
    await close();
    if (choice) throw err;
    return err instanceof Error ? err.message : String(err);
  });
  if (ready !== true) {
    if (ready === false) await close();
    return none(ready === false ? 'the store has no jobs table yet (run `medic migrate`, then ingest)' : `the store could not be read: ${ready}`);
  }
  return { history: { kind: 'lookup', reported: (jobs) => reportedJobs(db.pool, jobs) }, close };
}
