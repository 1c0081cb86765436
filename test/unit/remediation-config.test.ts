import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseExecutorConnections } from '../../src/remediation/config.ts';

const EXAMPLE = [
  { source: 'airflow-prod', kind: 'airflow', url: 'https://airflow.example/', api: 'v2', auth: { kind: 'password', username: 'medic', password: 'p' } },
  { source: 'airflow-legacy', kind: 'airflow', url: 'https://old.example', api: 'v1', auth: { kind: 'basic', username: 'medic', password: 'p' }, timeoutMs: 5000 },
  { source: 'argo-ml', kind: 'argo', url: 'https://argo.example:2746', token: 'sa-token' },
  { source: 'ctm-prod', kind: 'controlm', url: 'https://ctm.example:8443/automation-api', auth: { kind: 'api-key', key: 'k' } },
  { source: 'ctm-dr', kind: 'controlm', url: 'https://dr.example:8443/automation-api', auth: { kind: 'session', username: 'u', password: 'p' } },
  { source: '*', kind: 'webhook', url: 'https://hooks.example/medic', secret: 'sixteen-chars-at-least' },
];

function issuesOf(value: unknown): { path: (string | number)[]; message: string }[] {
  const parsed = parseExecutorConnections(JSON.stringify(value));
  assert.equal(parsed.kind, 'invalid');
  return parsed.kind === 'invalid' ? parsed.issues : [];
}

describe('executor connections', () => {
  it('reads one connection per orchestrator kind, with defaults for the HTTP limits', () => {
    const parsed = parseExecutorConnections(JSON.stringify(EXAMPLE));
    assert.equal(parsed.kind, 'ok');
    if (parsed.kind !== 'ok') return;
    assert.deepEqual(parsed.connections.map((c) => c.kind), ['airflow', 'airflow', 'argo', 'controlm', 'controlm', 'webhook']);
    assert.equal(parsed.connections[0]?.url, 'https://airflow.example');
    assert.deepEqual([parsed.connections[0]?.timeoutMs, parsed.connections[0]?.maxAttempts, parsed.connections[1]?.timeoutMs], [10_000, 3, 5000]);
  });

  it('means no executors when the variable is unset', () => {
    assert.deepEqual(parseExecutorConnections(undefined), { kind: 'ok', connections: [] });
  });

  it('says the value is not JSON', () => {
    const parsed = parseExecutorConnections('[{');
    assert.deepEqual(parsed, { kind: 'invalid', issues: [{ path: [], message: 'is not valid JSON' }] });
  });

  it('refuses basic auth for Airflow 3 and points at the auth kind', () => {
    const issues = issuesOf([{ ...EXAMPLE[0], auth: { kind: 'basic', username: 'u', password: 'p' } }]);
    assert.deepEqual(issues.map((i) => i.path), [[0, 'auth', 'kind']]);
    assert.match(issues[0]?.message ?? '', /api v2/);
  });

  it('keeps "*" for a webhook and each source to one connection', () => {
    const issues = issuesOf([{ ...EXAMPLE[2], source: '*' }, EXAMPLE[3], { ...EXAMPLE[4], source: 'ctm-prod' }]);
    assert.deepEqual(issues.map((i) => i.path), [[0, 'source'], [2, 'source']]);
    assert.match(issues[1]?.message ?? '', /already connected at \[1\]/);
  });

  it('names the field of a bad URL, a short secret and an unknown field', () => {
    const issues = issuesOf([
      { ...EXAMPLE[2], url: 'ftp://argo' },
      { ...EXAMPLE[5], secret: 'short' },
      { ...EXAMPLE[3], verifyTls: false },
    ]);
    assert.deepEqual(issues.map((i) => i.path), [[0, 'url'], [1, 'secret'], [2]]);
  });
});
