import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Action } from '../../src/policies/action.ts';
import { webhookBody } from '../../src/remediation/webhook.ts';
import { signWebhook, verifyWebhookSignature } from '../../src/remediation/webhook-signature.ts';

const secret = 'a-webhook-secret-of-some-length';
const body = '{"id":"exec-1","action":{"kind":"retry"}}';
const now = Date.UTC(2026, 10, 24, 9, 0, 0);
const timestamp = Math.floor(now / 1000);

describe('webhook signatures', () => {
  it('signs the timestamp and body with HMAC-SHA256 as v1=<hex>', () => {
    // echo -n "$ts.$body" | openssl dgst -sha256 -hmac "$secret" gives the same hex.
    assert.match(signWebhook(secret, timestamp, body), /^v1=[0-9a-f]{64}$/);
    assert.notEqual(signWebhook(secret, timestamp, body), signWebhook(secret, timestamp + 1, body));
  });

  it('accepts a delivery signed with the shared secret', () => {
    const signature = signWebhook(secret, timestamp, body);
    assert.deepEqual(verifyWebhookSignature({ secret, timestamp: String(timestamp), signature, body, now }), { kind: 'valid' });
  });

  it('refuses a tampered body, a tampered signature and another secret', () => {
    const signature = signWebhook(secret, timestamp, body);
    const base = { secret, timestamp: String(timestamp), signature, body, now };
    assert.equal(verifyWebhookSignature({ ...base, body: body.replace('retry', 'rerun') }).kind, 'invalid');
    assert.equal(verifyWebhookSignature({ ...base, signature: signature.replace(/.$/, (c) => (c === '0' ? '1' : '0')) }).kind, 'invalid');
    assert.equal(verifyWebhookSignature({ ...base, secret: 'another-secret-entirely' }).kind, 'invalid');
  });

  it('refuses a replay outside the five-minute window', () => {
    const signature = signWebhook(secret, timestamp, body);
    const late = verifyWebhookSignature({ secret, timestamp: String(timestamp), signature, body, now: now + 301_000 });
    assert.deepEqual(late, { kind: 'invalid', reason: 'timestamp outside the tolerance window' });
  });

  it('accepts any of several signatures while a secret rotates', () => {
    const signature = `${signWebhook('the-old-secret-value', timestamp, body)},${signWebhook(secret, timestamp, body)}`;
    assert.equal(verifyWebhookSignature({ secret, timestamp: String(timestamp), signature, body, now }).kind, 'valid');
  });

  it('refuses missing headers by name', () => {
    assert.deepEqual(verifyWebhookSignature({ secret, timestamp: undefined, signature: 'v1=00', body, now }),
      { kind: 'invalid', reason: 'missing or malformed x-medic-timestamp' });
    assert.deepEqual(verifyWebhookSignature({ secret, timestamp: String(timestamp), signature: undefined, body, now }),
      { kind: 'invalid', reason: 'missing x-medic-signature' });
  });
});

describe('webhook body', () => {
  it("merges a webhook action's payload under Medic's own fields", () => {
    const action = Action.parse({ kind: 'webhook', url: 'https://hooks.example', payload: { ticket: 'OPS-1', id: 'spoofed' } });
    const sent = webhookBody({ action, target: { kind: 'webhook' }, idempotencyKey: 'exec-1' }, new Date(now));
    assert.equal(sent.ticket, 'OPS-1');
    assert.equal(sent.id, 'exec-1');
    assert.equal(sent.sent_at, '2026-11-24T09:00:00.000Z');
    assert.deepEqual([sent.run, sent.target], [null, null]);
  });
});
