/**
 * Slack's request signing (https://docs.slack.dev/authentication/verifying-requests-from-slack):
 * `v0=` + HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the app's signing secret, sent as
 * `X-Slack-Signature` beside `X-Slack-Request-Timestamp`. The check itself is `@slack/bolt`'s
 * `verifySlackRequest`, the one its receivers run (five-minute window, timing-safe compare);
 * around it Medic names the reason for each refusal and refuses timestamps from the future too,
 * which Bolt lets through. A captured request is only good for five minutes, and
 * `slack_requests` refuses it within them.
 */
import { createHmac } from 'node:crypto';
import type { verifySlackRequest } from '@slack/bolt';

/** How far a request's timestamp may be from now, either way, in seconds: Bolt's five minutes. */
export const SIGNATURE_WINDOW_S = 300;

export type Verification =
  | { kind: 'valid'; timestamp: number; signature: string }
  | { kind: 'refused'; reason: 'missing' | 'malformed' | 'stale' | 'mismatch'; detail: string };

/** A request as it arrived: its two headers (undefined when absent) and its raw body. */
export interface SignedRequest {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  body: Buffer;
  /** Medic's clock (`deps.clock()`), handed to Bolt as `nowMilliseconds`. */
  now: Date;
}

/** Bolt's check: returns when the request is Slack's, throws an `Error` saying why not. */
export type BoltVerify = typeof verifySlackRequest;

/** Checks a request's signature and timestamp against the signing secret. */
export type SlackVerifier = (r: SignedRequest) => Verification;

/** The `X-Slack-Signature` Slack sends for this body at this timestamp (the fakes and tests sign with it). */
export function signatureOf(secret: string, timestamp: string, body: Buffer | string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`;
}

/**
 * Loads Bolt and returns the verifier. Only a Medic with a signing secret calls it: Bolt's
 * entry point brings Express, Socket Mode and OAuth with it, a few hundred milliseconds of loading
 * that a Medic without Slack should not pay.
 */
export async function loadSlackVerifier(): Promise<SlackVerifier> {
  const { verifySlackRequest } = await import('@slack/bolt');
  return (r) => verifyWith(verifySlackRequest, r);
}

const stale = (skew: number): Verification => ({
  kind: 'refused', reason: 'stale', detail: `the timestamp is ${Math.abs(skew)} s away from now (at most ${SIGNATURE_WINDOW_S})`,
});

/** Bolt's error, as one of Medic's reasons; one Bolt is not known to throw still refuses. */
function refusal(err: unknown, skew: number): Verification {
  const said = err instanceof Error ? err.message : String(err);
  if (/stale/.test(said)) return stale(skew);
  if (/signature mismatch/.test(said)) return { kind: 'refused', reason: 'mismatch', detail: 'the signature does not match the body' };
  if (/unknown signature version|expected type/.test(said)) return { kind: 'refused', reason: 'malformed', detail: said };
  return { kind: 'refused', reason: 'mismatch', detail: `the signature could not be verified (${said})` };
}

/** The check, with Bolt's function passed in (tests hand it a stand-in to see how its errors map). */
export function verifyWith(bolt: BoltVerify, r: SignedRequest): Verification {
  // Bolt reads the headers without asking whether they are there or well formed; Medic asks first.
  if (!r.timestamp || !r.signature) return { kind: 'refused', reason: 'missing', detail: 'X-Slack-Signature and X-Slack-Request-Timestamp are required' };
  if (!/^\d{1,12}$/.test(r.timestamp) || !/^v0=[0-9a-f]{64}$/.test(r.signature)) {
    return { kind: 'refused', reason: 'malformed', detail: 'the timestamp must be seconds and the signature v0=<64 hex digits>' };
  }
  const timestamp = Number(r.timestamp);
  const nowMs = r.now.getTime();
  const skew = timestamp - Math.floor(nowMs / 1000);
  if (skew > SIGNATURE_WINDOW_S) return stale(skew);
  try {
    // Bolt signs the body as text, as its receivers do; Medic parses this same text afterwards.
    bolt({ signingSecret: r.secret, body: r.body.toString('utf8'), headers: { 'x-slack-signature': r.signature, 'x-slack-request-timestamp': timestamp }, nowMilliseconds: nowMs });
  } catch (err) {
    return refusal(err, skew);
  }
  return { kind: 'valid', timestamp, signature: r.signature };
}
