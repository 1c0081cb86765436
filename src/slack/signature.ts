/**
 * Slack's request signing (https://docs.slack.dev/authentication/verifying-requests-from-slack):
 * `v0=` + HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the app's signing secret, sent as
 * `X-Slack-Signature` beside `X-Slack-Request-Timestamp`. Checked on the raw bytes, before
 * anything is parsed; a timestamp more than five minutes away from now is refused, so a
 * captured request is only good for that long (and `slack_requests` refuses it within it).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a request's timestamp may be from now, either way, in seconds. */
export const SIGNATURE_WINDOW_S = 300;

export type Verification =
  | { kind: 'valid'; timestamp: number; signature: string }
  | { kind: 'refused'; reason: 'missing' | 'malformed' | 'stale' | 'mismatch'; detail: string };

/** The `X-Slack-Signature` Slack sends for this body at this timestamp. */
export function signatureOf(secret: string, timestamp: string, body: Buffer | string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`;
}

/** Checks a request's signature and timestamp against the signing secret. */
export function verifySignature(v: { secret: string; timestamp: string | undefined; signature: string | undefined; body: Buffer; now: Date }): Verification {
  if (!v.timestamp || !v.signature) return { kind: 'refused', reason: 'missing', detail: 'X-Slack-Signature and X-Slack-Request-Timestamp are required' };
  if (!/^\d{1,12}$/.test(v.timestamp) || !/^v0=[0-9a-f]{64}$/.test(v.signature)) {
    return { kind: 'refused', reason: 'malformed', detail: 'the timestamp must be seconds and the signature v0=<64 hex digits>' };
  }
  const timestamp = Number(v.timestamp);
  const skew = Math.abs(Math.floor(v.now.getTime() / 1000) - timestamp);
  if (skew > SIGNATURE_WINDOW_S) return { kind: 'refused', reason: 'stale', detail: `the timestamp is ${skew} s away from now (at most ${SIGNATURE_WINDOW_S})` };
  const expected = Buffer.from(signatureOf(v.secret, v.timestamp, v.body));
  const given = Buffer.from(v.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { kind: 'refused', reason: 'mismatch', detail: 'the signature does not match the body' };
  return { kind: 'valid', timestamp, signature: v.signature };
}
