/**
 * A real Medic on a loopback port, for tests that drive it from outside as a scheduler would
 * (scripts, Python): the embedded store, the given tokens and policies, and a decision timeout
 * long enough that a busy machine does not turn answers into the safe default.
 */
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { TokenGrant } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { buildApp } from '../../src/http/app.ts';
import { testConfig, testDeps } from './deps.ts';
import { policiesFrom } from './heal.ts';
import { testStores, type TestDatabase } from './stores.ts';

export interface ListeningMedic {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly deps: Deps;
  readonly db: TestDatabase;
}

/** Starts Medic before the enclosing suite's tests and stops it after; its parts are there once they start. */
export function listeningMedicForSuite(tokens: TokenGrant[], policies: string): ListeningMedic {
  let m: ListeningMedic | undefined;
  before(async () => {
    const store = testStores()[0];
    if (!store) throw new Error('no test store');
    const db = await store.open();
    const config = testConfig({ MEDIC_TOKENS: JSON.stringify(tokens), MEDIC_DECIDE_TIMEOUT_MS: '10000' });
    const deps = testDeps(db, { config, policies: await policiesFrom(policies) });
    const app = await buildApp(deps);
    await app.listen({ port: 0, host: '127.0.0.1' });
    m = { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, app, deps, db };
  });
  after(async () => {
    await m?.app.close();
    await m?.deps.decisionLog.close();
    await m?.db.close();
  });
  const opened = () => {
    if (!m) throw new Error('Medic listens only inside the suite\'s tests');
    return m;
  };
  return { get url() { return opened().url; }, get app() { return opened().app; }, get deps() { return opened().deps; }, get db() { return opened().db; } };
}
