import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../src/deps.ts';
import { buildApp } from '../../src/http/app.ts';
import { testConfig, testDeps } from '../support/deps.ts';
import { APPROVERS, failureInput, policiesFrom } from '../support/heal.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

const TOKENS = [
  { name: 'alice', token: 'alice-token-0123456789', scopes: ['approve', 'read'] },
  { name: 'reader', token: 'reader-token-0123456789', scopes: ['read'] },
  { name: 'airflow-prod', token: 'airflow-token-0123456789', scopes: ['decide', 'approve'] },
];
const bearer = (name: string) => ({ authorization: `Bearer ${TOKENS.find((t) => t.name === name)?.token ?? ''}` });

// Identities are checked before any store work: one store is enough.
const store = testStores()[0];

describe('who votes through the API when tokens are configured', () => {
  let db: TestDatabase;
  let deps: Deps;
  let app: FastifyInstance;
  before(async () => {
    db = await (store ?? { open: () => Promise.reject(new Error('no store')) }).open();
    const config = testConfig({ MEDIC_TOKENS: JSON.stringify(TOKENS), MEDIC_APPROVERS: JSON.stringify(APPROVERS), MEDIC_DECIDE_TIMEOUT_MS: '10000' });
    deps = testDeps(db, { config, policies: await policiesFrom(`
policies:
  - id: load-retry-gated
    description: gated
    action: { kind: retry, delay_s: 0 }
    approval: { kind: one_of, groups: [data-oncall] }
`) });
    app = await buildApp(deps);
  });
  after(async () => {
    await app.close();
    await deps.decisionLog.close();
    await db.close();
  });

  it('votes as the token\'s name, which needs the approve scope and a configured approver', async () => {
    const asked = await app.inject({ method: 'POST', url: '/v1/decide', headers: bearer('airflow-prod'), payload: failureInput('airflow-prod/finance_close.load_dw', 't1', 'boom') });
    const id = asked.json().approval_id as number;
    const approve = (who: string, body: Record<string, unknown> = {}) => app.inject({ method: 'POST', url: `/v1/approvals/${id}/approve`, headers: bearer(who), payload: body });
    assert.equal((await app.inject({ method: 'POST', url: `/v1/approvals/${id}/approve`, payload: {} })).statusCode, 401);
    assert.equal((await approve('reader')).statusCode, 403, 'no approve scope');
    const impostor = await approve('alice', { as: 'bob' });
    assert.equal(impostor.statusCode, 403);
    assert.match(impostor.json().error.message, /votes as itself/);
    const machine = await approve('airflow-prod');
    assert.equal(machine.statusCode, 403, 'a token with the scope is not an approver unless configured as one');
    assert.match(machine.json().error.message, /not a configured approver/);
    const ok = await approve('alice');
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().status, 'approved');
  });
});
