import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('configuration', () => {
  it('listens on loopback only when no token is configured', () => {
    const config = loadConfig({ HOST: '0.0.0.0' });
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.loopbackOnly, true);
    assert.equal(config.dataDir, './.medic');
  });

  it('binds where it is told once an admin token exists', () => {
    const config = loadConfig({ HOST: '0.0.0.0', MEDIC_ADMIN_TOKEN: 'a-long-enough-admin-token' });
    assert.equal(config.host, '0.0.0.0');
    assert.deepEqual(config.tokens.map((t) => t.scopes), [['admin']]);
    assert.ok(Object.isFrozen(config));
  });

  it('names every bad variable when it refuses the environment', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', REDIS_URL: 'not a url', MEDIC_TOKENS: '[{"name":"x"}]' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /PORT/);
        assert.match(err.message, /REDIS_URL/);
        assert.match(err.message, /MEDIC_TOKENS\.0\.token/);
        return true;
      },
    );
  });

  it('bounds the in-process queue at 10,000 waiting jobs unless told, and refuses a bound under one', () => {
    assert.equal(loadConfig({}).queueMaxWaiting, 10_000);
    assert.equal(loadConfig({ MEDIC_QUEUE_MAX_WAITING: '500' }).queueMaxWaiting, 500);
    assert.throws(() => loadConfig({ MEDIC_QUEUE_MAX_WAITING: '0' }), /MEDIC_QUEUE_MAX_WAITING/);
  });

  it('refuses an unknown time zone by name', () => {
    assert.throws(() => loadConfig({ MEDIC_TIME_ZONE: 'Mars/Olympus' }), /MEDIC_TIME_ZONE: unknown time zone/);
  });

  it('reads approvers and executors, and heals in shadow unless told', () => {
    const config = loadConfig({
      MEDIC_APPROVERS: '[{"name": "alice", "groups": ["data-oncall"], "slack_user_id": "U012AB3CD"}]',
      MEDIC_EXECUTORS: '[{"source": "airflow-prod", "kind": "airflow", "url": "http://airflow:8080/", "api": "v2", "auth": {"kind": "password", "username": "medic", "password": "secret"}}]',
    });
    assert.deepEqual(config.approvers, [{ name: 'alice', groups: ['data-oncall'], slack_user_id: 'U012AB3CD' }]);
    assert.equal(config.executors[0]?.url, 'http://airflow:8080');
    assert.equal(config.heal, 'shadow');
    assert.equal(config.approvalTtlMs, 60 * 60_000);
    assert.deepEqual(config.promote, { minAttempts: 5, minSuccess: 0.9 });
  });

  it('keeps Slack off until it is configured, and reads its channels and the public URL', () => {
    const off = loadConfig({});
    assert.deepEqual({ ...off.slack }, { signingSecret: undefined, botToken: undefined, apiUrl: 'https://slack.com/api', defaultChannel: undefined, channels: {} });
    assert.equal(off.publicUrl, 'http://127.0.0.1:8787');
    const on = loadConfig({
      SLACK_SIGNING_SECRET: 'secret', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_API_URL: 'http://127.0.0.1:9999/api/', SLACK_DEFAULT_CHANNEL: '#data-oncall',
      SLACK_CHANNELS: '{"finance-close": "C0FIN"}', MEDIC_PUBLIC_URL: 'https://medic.example.com/',
    });
    assert.equal(on.slack.apiUrl, 'http://127.0.0.1:9999/api');
    assert.deepEqual(on.slack.channels, { 'finance-close': 'C0FIN' });
    assert.equal(on.publicUrl, 'https://medic.example.com');
    assert.throws(() => loadConfig({ SLACK_CHANNELS: '["C0FIN"]' }), /SLACK_CHANNELS/);
    assert.throws(() => loadConfig({ SLACK_API_URL: 'slack' }), /SLACK_API_URL/);
  });

  it('names the executor at fault, prefixed with MEDIC_EXECUTORS', () => {
    assert.throws(
      () => loadConfig({ MEDIC_EXECUTORS: '[{"source": "a", "kind": "airflow", "url": "http://x", "api": "v2", "auth": {"kind": "basic", "username": "u", "password": "p"}}]' }),
      /MEDIC_EXECUTORS\.0\.auth\.kind: Airflow 3/,
    );
    assert.throws(() => loadConfig({ MEDIC_HEAL: 'sometimes' }), /MEDIC_HEAL/);
    assert.throws(() => loadConfig({ MEDIC_APPROVERS: '[{"groups": []}]' }), /MEDIC_APPROVERS\.0\.name/);
  });
});
