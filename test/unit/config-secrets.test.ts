import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { configSecrets } from '../../src/config-secrets.ts';

describe('the secrets of a configuration', () => {
  it('lists every configured secret once, named by where it is configured, and no username', () => {
    const config = loadConfig({
      MEDIC_ADMIN_TOKEN: 'admin-token-0123456789',
      MEDIC_TOKENS: JSON.stringify([{ name: 'airflow', token: 'airflow-token-0123456789', scopes: ['decide'] }]),
      SLACK_SIGNING_SECRET: 'slack-signing-secret', SLACK_BOT_TOKEN: 'xoxb-bot-token',
      MEDIC_OIDC_ISSUER: 'https://sso.example.com', MEDIC_OIDC_CLIENT_ID: 'medic', MEDIC_OIDC_CLIENT_SECRET: 'oidc-client-secret',
      OPENAI_API_KEY: 'sk-model-key', MEDIC_AGENT_MODEL: 'gpt-x',
      DATABASE_URL: 'postgres://medic:db%40pass@db:5432/medic', REDIS_URL: 'redis://:redis-pass@redis:6379',
      MEDIC_EXECUTORS: JSON.stringify([
        { source: 'hooks', kind: 'webhook', url: 'https://hooks.example.com', secret: 'webhook-signing-secret' },
        { source: 'argo', kind: 'argo', url: 'https://argo.example.com', token: 'argo-sa-token' },
      ]),
      AF_PASSWORD: 'airflow-password',
      MEDIC_SOURCES: JSON.stringify([{ source: 'af', kind: 'airflow', url: 'http://af:8080', api: 'v1', auth: { kind: 'basic', username: 'medic-user', password: { env: 'AF_PASSWORD' } } }]),
    });
    assert.deepEqual(configSecrets(config), [
      { name: 'MEDIC_TOKENS[airflow]', value: 'airflow-token-0123456789' },
      { name: 'MEDIC_ADMIN_TOKEN', value: 'admin-token-0123456789' },
      { name: 'SLACK_SIGNING_SECRET', value: 'slack-signing-secret' },
      { name: 'SLACK_BOT_TOKEN', value: 'xoxb-bot-token' },
      { name: 'MEDIC_OIDC_CLIENT_SECRET', value: 'oidc-client-secret' },
      { name: 'OPENAI_API_KEY', value: 'sk-model-key' },
      { name: 'DATABASE_URL password', value: 'db@pass' },
      { name: 'REDIS_URL password', value: 'redis-pass' },
      { name: 'MEDIC_SOURCES[af].auth.password', value: 'airflow-password' },
      { name: 'MEDIC_EXECUTORS[hooks].secret', value: 'webhook-signing-secret' },
      { name: 'MEDIC_EXECUTORS[argo].token', value: 'argo-sa-token' },
    ]);
  });

  it('finds none in a configuration without secrets', () => {
    assert.deepEqual(configSecrets(loadConfig({})), []);
  });
});
