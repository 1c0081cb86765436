import type { FastifyInstance } from 'fastify';
import { after, before } from 'node:test';
import type { Config } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { buildApp } from '../../src/http/app.ts';
import { testDeps } from './deps.ts';
import type { TestDatabase, TestStore } from './stores.ts';

/** An app over a test database, for `inject()`; close it with `app.close()`. */
/**
 * Opens `store` and builds the app over it before the tests of the enclosing `describe`, and
 * closes both after; `db` and `app` are there once the tests start.
 */
export function appForSuite(store: Pick<TestStore, 'open'>): { readonly db: TestDatabase; readonly app: FastifyInstance } {
  let opened: { db: TestDatabase; app: FastifyInstance } | undefined;
  const get = () => {
    if (!opened) throw new Error('the app is built only inside the suite\'s tests');
    return opened;
  };
  before(async () => {
    const db = await store.open();
    opened = { db, app: (await testApp(db)).app };
  });
  after(async () => {
    await opened?.app.close();
    await opened?.db.close();
  });
  return { get db() { return get().db; }, get app() { return get().app; } };
}

export async function testApp(db: TestDatabase, config?: Config): Promise<{ app: FastifyInstance; deps: Deps }> {
  const deps = testDeps(db, config ? { config } : {});
  const app = await buildApp(deps);
  return { app, deps };
}

/** Counts rows of a table, for "nothing was added" assertions. */
export async function countRows(db: TestDatabase, table: 'run_events' | 'runs' | 'jobs' | 'run_attempts' | 'ingest_payloads' | 'incidents' | 'signatures'): Promise<number> {
  const r = await db.pool.query<{ n: number }>(`select count(*)::int as n from ${table}`);
  return r.rows[0]?.n ?? 0;
}
