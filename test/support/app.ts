import type { FastifyInstance } from 'fastify';
import type { Config } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { buildApp } from '../../src/http/app.ts';
import { testDeps } from './deps.ts';
import type { TestDatabase } from './stores.ts';

/** An app over a test database, for `inject()`; close it with `app.close()`. */
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
