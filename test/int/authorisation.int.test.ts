import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Scope } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { ACCESS, type Access } from '../../src/http/access.ts';
import { buildApp, registeredRoutes } from '../../src/http/app.ts';
import { testConfig, testDeps } from '../support/deps.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

const SCOPES = Scope.options;
const tokenOf = (s: string) => `matrix-token-for-${s}-0123456789`;
/** A value for each path parameter: enough to reach the route's access check. */
const filled = (url: string) => url.replace(/:id\b/g, '1').replace(/:name\b/g, 'x').replace(/:key\b/g, 'latest').replace(/:hash\b/g, 'h').replace(/\*/g, 'x');

describe('the authorisation matrix: every route × no token, each scope, and the console without a session', () => {
  let db: TestDatabase;
  let deps: Deps;
  let app: FastifyInstance;
  before(async () => {
    db = await testStores()[0]!.open();
    deps = testDeps(db, {
      config: testConfig({
        MEDIC_TOKENS: JSON.stringify(SCOPES.map((s) => ({ name: s, token: tokenOf(s), scopes: [s] }))),
        SLACK_SIGNING_SECRET: 'matrix-signing-secret',
      }),
    });
    app = await buildApp(deps);
  });
  after(async () => {
    await app.close();
    await deps.queue.close();
    await deps.decisionLog.close();
    await db.close();
  });

  const key = (r: { method: string; url: string }) => `${r.method} ${r.url}`;
  const call = async (r: { method: string; url: string }, token: string | null) => {
    const post = r.method !== 'GET';
    const res = await app.inject({
      method: r.method as 'GET' | 'POST', url: filled(r.url),
      headers: { ...(token ? { authorization: `Bearer ${tokenOf(token)}` } : {}), ...(post ? { 'content-type': 'application/json' } : {}) },
      ...(post ? { payload: '{}' } : {}),
    });
    return res.statusCode;
  };

  it('declares the access of every route, and of no route that does not exist (deny by default)', () => {
    const registered = registeredRoutes(app).map(key);
    assert.ok(registered.length > 80, `${registered.length} routes`);
    assert.deepEqual(registered.filter((r) => !(r in ACCESS)), [], 'routes with no declared access in src/http/access.ts');
    assert.deepEqual(Object.keys(ACCESS).filter((r) => !registered.includes(r)), [], 'declared routes that are not registered');
  });

  it('holds every route to its declaration', async () => {
    const wrong: string[] = [];
    for (const r of registeredRoutes(app)) {
      const access: Access | undefined = ACCESS[key(r)];
      if (!access) continue;
      const none = await call(r, null);
      const each = Object.fromEntries(await Promise.all(SCOPES.map(async (s) => [s, await call(r, s)] as const)));
      const expect = (what: string, ok: boolean) => { if (!ok) wrong.push(`${key(r)}: ${what} (no token ${none}, ${SCOPES.map((s) => `${s} ${each[s]}`).join(', ')})`); };
      switch (access.kind) {
        case 'scope':
          expect('no token must be 401', none === 401);
          for (const s of SCOPES) {
            const allowed = s === access.scope || s === 'admin';
            expect(`${s} must be ${allowed ? 'let through' : '403'}`, allowed ? each[s] !== 401 && each[s] !== 403 : each[s] === 403);
          }
          break;
        case 'session':
          // A bearer token is no console session: sent to sign in (a page) or refused (a form, the live stream).
          for (const status of [none, ...Object.values(each)]) expect('without a session must be 303 or 401', status === 303 || status === 401);
          break;
        case 'slack':
          for (const status of [none, ...Object.values(each)]) expect('without Slack\'s signature must be 401', status === 401);
          break;
        case 'public':
          expect('a token must change nothing', Object.values(each).every((s) => s === none));
          expect('must not ask for credentials', none !== 401);
          break;
      }
    }
    assert.deepEqual(wrong, []);
  });
});
