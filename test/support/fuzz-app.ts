/** The app the fuzz runs against: the embedded store with the demo-sized data a new user has, an admin token, Slack's secret. */
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../src/deps.ts';
import { buildApp } from '../../src/http/app.ts';
import { testConfig, testDeps } from './deps.ts';
import { testStores, type TestDatabase } from './stores.ts';

export const FUZZ_TOKEN = 'fuzz-admin-token-0123456789abcdef';

export async function openFuzzApp(): Promise<{ app: FastifyInstance; deps: Deps; db: TestDatabase; close: () => Promise<void> }> {
  const db = await testStores()[0]!.open();
  const deps = testDeps(db, { config: testConfig({ MEDIC_ADMIN_TOKEN: FUZZ_TOKEN, SLACK_SIGNING_SECRET: 'fuzz-signing-secret', MEDIC_BODY_LIMIT: String(4 * 1024 * 1024) }) });
  const app = await buildApp(deps);
  await app.ready();
  // Something to find: a failure and a success, so lookups by id and name reach the store's rows.
  await app.inject({
    method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${FUZZ_TOKEN}` },
    payload: { source: 'generic', events: [
      { job: { namespace: 'etl', name: 'load' }, run: { id: 'r1', key: 'k1' }, type: 'failed', time: '2026-11-01T00:00:00Z', error: { message: 'psycopg2.OperationalError: connection refused' } },
      { job: { namespace: 'etl', name: 'load' }, run: { id: 'r2', key: 'k2' }, type: 'completed', time: '2026-11-02T00:00:00Z' },
    ] },
  });
  // The console makes its signing key on first use: made now, so no fuzzed request is blamed for it.
  await app.inject({ url: '/login' });
  return {
    app, deps, db,
    close: async () => {
      await app.close();
      await deps.queue.close();
      await deps.decisionLog.close();
      await db.close();
    },
  };
}
