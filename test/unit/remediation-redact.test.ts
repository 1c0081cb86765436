import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectionSecrets, redacted, redactor } from '../../src/remediation/redact.ts';

describe('a connection\'s credentials in what comes back', () => {
  const c = { url: 'https://svc:url-pass-123@airflow.example.com', auth: { kind: 'password', username: 'admin', password: 'hunter2-long-pass' }, secret: 'webhook-hmac-key-0001' };

  it('are every password, token, key and URL password the connection holds', () => {
    assert.deepEqual(connectionSecrets(c).sort(), ['hunter2-long-pass', 'url-pass-123', 'webhook-hmac-key-0001']);
  });

  it('are replaced in an outcome\'s detail and in an echoed response, and nothing else changes', () => {
    const clean = redactor(connectionSecrets(c));
    const outcome = { kind: 'failed' as const, retryable: false, detail: 'HTTP 401: bad credentials hunter2-long-pass', response: { echoed: { authorization: 'Basic url-pass-123' }, n: 1 } };
    const out = redacted(outcome, clean);
    assert.equal(out.detail, 'HTTP 401: bad credentials [redacted]');
    assert.deepEqual(out.response, { echoed: { authorization: 'Basic [redacted]' }, n: 1 });
    assert.equal(out.kind, 'failed');
    const observed = { kind: 'observed' as const, snapshot: { state: 'failed' } };
    assert.deepEqual(redacted(observed, clean), observed);
  });
});
