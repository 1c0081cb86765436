import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createFakeOpenAI, answer, type FakeOpenAI } from '../../src/fakes/openai.ts';
import { runMedic } from '../support/cli.ts';
import { startOidcProvider, type OidcTestProvider } from '../support/oidc.ts';
import { BOT_TOKEN, SIGNING_SECRET, startLocalSlack, type LocalSlack } from '../support/slack.ts';

interface Finding { check: string; status: 'ok' | 'warn' | 'fault'; detail: string; fix?: string }
const findings = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as Finding);

describe('medic doctor', () => {
  let dir: string;
  let slack: LocalSlack;
  let model: FakeOpenAI;
  let provider: OidcTestProvider;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'medic-doctor-'));
    slack = await startLocalSlack();
    model = await createFakeOpenAI(() => answer({}));
    provider = await startOidcProvider({ clients: [{ client_id: 'medic', client_secret: 'doctor-secret', redirect_uris: ['http://127.0.0.1:8787/auth/callback'] }], users: [] });
  });
  after(async () => {
    await slack.close();
    await model.close();
    await provider.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('finds nothing wrong with a good installation, and exits 0', async () => {
    const env: Record<string, string> = {
      MEDIC_DATA_DIR: join(dir, 'store'), MEDIC_ADMIN_TOKEN: 'doctor-test-token-0123456789',
      SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, SLACK_DEFAULT_CHANNEL: '#data-oncall',
      OPENAI_BASE_URL: model.baseURL, MEDIC_AGENT_MODEL: 'scripted',
      MEDIC_OIDC_ISSUER: provider.issuer, MEDIC_OIDC_CLIENT_ID: 'medic', MEDIC_OIDC_CLIENT_SECRET: 'doctor-secret',
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    };
    assert.equal((await runMedic(['migrate'], env)).code, 0);
    const r = await runMedic(['doctor', '--json'], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const got = findings(r.stdout);
    assert.deepEqual(got.filter((f) => f.status !== 'ok'), []);
    assert.deepEqual([...new Set(got.map((f) => f.check))], ['config', 'access', 'store', 'pgvector', 'migrations', 'queue', 'slack', 'openai', 'sso']);
    assert.match(got.find((f) => f.check === 'slack')?.detail ?? '', /bot medic of Medic Test/);
    assert.match(got.find((f) => f.check === 'sso')?.detail ?? '', /register http:\/\/127\.0\.0\.1:8787\/auth\/callback/);
    assert.ok(slack.calls.some((c) => c.path === '/api/auth.test'));
  });

  it('names each fault with how to fix it, and exits 1', async () => {
    const r = await runMedic(['doctor', '--json', '--timeout', '2'], {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', REDIS_URL: 'redis://127.0.0.1:1',
      SLACK_BOT_TOKEN: 'xoxb-wrong', SLACK_API_URL: slack.apiUrl, MEDIC_AGENT_MODEL: 'scripted', OPENAI_BASE_URL: 'http://127.0.0.1:1/v1',
      MEDIC_OIDC_ISSUER: 'http://127.0.0.1:1/oidc', MEDIC_OIDC_CLIENT_ID: 'medic',
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const faults = findings(r.stdout).filter((f) => f.status === 'fault');
    assert.deepEqual([...new Set(faults.map((f) => f.check))], ['store', 'queue', 'slack', 'openai', 'sso']);
    for (const f of faults) assert.ok(f.fix && f.fix.length > 0, f.check);
    assert.match(faults.find((f) => f.check === 'slack')?.detail ?? '', /invalid_auth/);
    assert.ok(faults.some((f) => f.check === 'slack' && /SLACK_SIGNING_SECRET/.test(f.detail)));
  });

  it('stops at a configuration it cannot read, naming the variable', async () => {
    const r = await runMedic(['doctor'], { PORT: 'eighty' });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^FAULT\s+config\s+.*PORT/m);
    assert.match(r.stdout, /fix: /);
  });
});
