import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { signatureOf, verifySignature } from '../../src/slack/signature.ts';
import { sharedData } from '../support/deps.ts';

const vector = JSON.parse(readFileSync(sharedData('formats', 'slack', 'signature-test-vector.json'), 'utf8')) as {
  signingSecret: string; timestamp: string; body: string; expectedSignature: string;
};
const at = (seconds: number) => new Date(seconds * 1000);
const check = (o: { body?: string; timestamp?: string | undefined; signature?: string | undefined; now?: Date; secret?: string }) => verifySignature({
  secret: o.secret ?? vector.signingSecret, body: Buffer.from(o.body ?? vector.body),
  timestamp: 'timestamp' in o ? o.timestamp : vector.timestamp, signature: 'signature' in o ? o.signature : vector.expectedSignature,
  now: o.now ?? at(Number(vector.timestamp)),
});

describe('Slack request signatures', () => {
  it('signs Slack\'s own test vector to the signature Slack documents', () => {
    assert.equal(signatureOf(vector.signingSecret, vector.timestamp, vector.body), vector.expectedSignature);
    assert.equal(signatureOf(vector.signingSecret, vector.timestamp, Buffer.from(vector.body)), vector.expectedSignature);
  });

  it('accepts the test vector within five minutes of its timestamp, either way', () => {
    const t = Number(vector.timestamp);
    for (const now of [t, t - 300, t + 300]) assert.deepEqual(check({ now: at(now) }), { kind: 'valid', timestamp: t, signature: vector.expectedSignature });
  });

  it('refuses a request older or newer than five minutes', () => {
    const t = Number(vector.timestamp);
    for (const now of [t + 301, t - 301, t + 86_400]) {
      const v = check({ now: at(now) });
      assert.equal(v.kind === 'refused' && v.reason, 'stale');
    }
  });

  it('refuses a body changed by one byte, another secret, and a signature of another timestamp', () => {
    const reasons = [
      check({ body: vector.body.replace('roadrunner', 'roadrunnex') }),
      check({ secret: 'another-signing-secret' }),
      check({ timestamp: String(Number(vector.timestamp) + 1), now: at(Number(vector.timestamp)) }),
    ].map((v) => v.kind === 'refused' && v.reason);
    assert.deepEqual(reasons, ['mismatch', 'mismatch', 'mismatch']);
  });

  it('refuses a request without the headers, or with malformed ones', () => {
    const reasons = [check({ timestamp: undefined }), check({ signature: undefined }), check({ signature: 'v1=abc' }), check({ timestamp: '15314206l8' }),
      check({ signature: vector.expectedSignature.toUpperCase() })].map((v) => v.kind === 'refused' && v.reason);
    assert.deepEqual(reasons, ['missing', 'missing', 'malformed', 'malformed', 'malformed']);
  });
});
