import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { loadSlackVerifier, signatureOf, verifyWith, type SignedRequest, type SlackVerifier } from '../../src/slack/signature.ts';
import { sharedData } from '../support/deps.ts';

const vector = JSON.parse(readFileSync(sharedData('formats', 'slack', 'signature-test-vector.json'), 'utf8')) as {
  signingSecret: string; timestamp: string; body: string; expectedSignature: string;
};
const at = (seconds: number) => new Date(seconds * 1000);
const request = (o: { body?: string; timestamp?: string | undefined; signature?: string | undefined; now?: Date; secret?: string }): SignedRequest => ({
  secret: o.secret ?? vector.signingSecret, body: Buffer.from(o.body ?? vector.body),
  timestamp: 'timestamp' in o ? o.timestamp : vector.timestamp, signature: 'signature' in o ? o.signature : vector.expectedSignature,
  now: o.now ?? at(Number(vector.timestamp)),
});
let verifier: SlackVerifier;
const check = (o: Parameters<typeof request>[0]) => verifier(request(o));

describe('Slack request signatures, checked by Bolt\'s verifySlackRequest', () => {
  before(async () => {
    verifier = await loadSlackVerifier();
  });

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

  it('asks Bolt with Medic\'s clock, and refuses with a reason whatever Bolt throws', () => {
    const seen: number[] = [];
    const says = (message: string) => verifyWith((o) => {
      seen.push(o.nowMilliseconds ?? Number.NaN);
      throw new Error(`Failed to verify authenticity: ${message}`);
    }, request({ now: at(Number(vector.timestamp) + 60) }));
    const refused = ['signature mismatch', 'unknown signature version', 'something new'].map((m) => says(m));
    assert.deepEqual(refused.map((v) => v.kind === 'refused' && v.reason), ['mismatch', 'malformed', 'mismatch']);
    assert.match(refused[2]?.kind === 'refused' ? refused[2].detail : '', /could not be verified \(Failed to verify authenticity: something new\)/);
    assert.deepEqual(seen, Array(3).fill((Number(vector.timestamp) + 60) * 1000));
  });
});
