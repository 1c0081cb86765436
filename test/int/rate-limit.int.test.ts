import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../src/deps.ts';
import { buildApp } from '../../src/http/app.ts';
import { testConfig, testDeps } from '../support/deps.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

const SLOW = 'rate-slow-token-0123456789';
const FAST = 'rate-fast-token-0123456789';
const tokens = JSON.stringify([
  { name: 'slow', token: SLOW, scopes: ['read'], rate_per_minute: 3 },
  { name: 'fast', token: FAST, scopes: ['read'] },
]);
const get = (app: FastifyInstance, token: string) => app.inject({ url: '/v1/runs', headers: { authorization: `Bearer ${token}` } });

describe('per-token rate limits', () => {
  let db: TestDatabase;
  const opened: { app: FastifyInstance; deps: Deps }[] = [];
  const open = async (env: Record<string, string>) => {
    const deps = testDeps(db, { config: testConfig({ MEDIC_TOKENS: tokens, ...env }) });
    const app = await buildApp(deps);
    opened.push({ app, deps });
    return app;
  };
  before(async () => { db = await testStores()[0]!.open(); });
  after(async () => {
    for (const o of opened) {
      await o.app.close();
      await o.deps.queue.close();
      await o.deps.decisionLog.close();
    }
    await db.close();
  });

  it("answers 429 with Retry-After in Medic's error shape past a token's limit, and leaves other tokens and the probes alone", async () => {
    const app = await open({});
    for (let i = 0; i < 3; i++) assert.equal((await get(app, SLOW)).statusCode, 200);
    const refused = await get(app, SLOW);
    assert.equal(refused.statusCode, 429, refused.body);
    assert.ok(Number(refused.headers['retry-after']) > 0, 'Retry-After says when');
    assert.equal(refused.json().error.code, 'rate_limited');
    assert.match(refused.json().error.message, /more than 3 requests a minute/);
    for (let i = 0; i < 5; i++) assert.equal((await get(app, FAST)).statusCode, 200, 'another token has its own count');
    assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
  });

  it('shares the count between replicas through Redis', { skip: !process.env.REDIS_URL && 'needs REDIS_URL' }, async () => {
    const env = { REDIS_URL: process.env.REDIS_URL ?? '', MEDIC_QUEUE_NAME: `rate-${randomBytes(4).toString('hex')}` };
    const [a, b] = [await open(env), await open(env)];
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await get(i % 2 ? b : a, SLOW)).statusCode);
    assert.deepEqual(statuses, [200, 200, 200, 429, 429, 429]);
  });
});
