/**
 * The webhook signature scheme (docs/webhook.md): HMAC-SHA256 with the shared secret over
 * `${timestamp}.${body}`, sent as `x-medic-signature: v1=<hex>` with `x-medic-timestamp`
 * (Unix seconds). The timestamp is signed so a captured request cannot be replayed later.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-medic-signature';
export const TIMESTAMP_HEADER = 'x-medic-timestamp';
export const IDEMPOTENCY_HEADER = 'x-medic-idempotency-key';

/** How far a timestamp may be from the receiver's clock. @defaultValue 300 s */
export const DEFAULT_TOLERANCE_S = 300;

/** The `v1=<hex>` value for `body` sent at `timestamp` (Unix seconds). */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface WebhookVerification {
  secret: string;
  /** The `x-medic-timestamp` header as received. */
  timestamp: string | undefined;
  /** The `x-medic-signature` header as received; several `v1=` values may be comma-separated (secret rotation). */
  signature: string | undefined;
  /** The raw body, exactly as received (not re-serialized JSON). */
  body: string;
  /** Receiver's clock in milliseconds. @defaultValue Date.now() */
  now?: number;
  /** @defaultValue 300 */
  toleranceSeconds?: number;
}

export type VerificationResult = { kind: 'valid' } | { kind: 'invalid'; reason: string };

/** Verifies a Medic webhook delivery; for receivers, and used by Medic's own fake sink. */
export function verifyWebhookSignature(v: WebhookVerification): VerificationResult {
  if (!v.timestamp || !/^\d+$/.test(v.timestamp)) return { kind: 'invalid', reason: `missing or malformed ${TIMESTAMP_HEADER}` };
  if (!v.signature) return { kind: 'invalid', reason: `missing ${SIGNATURE_HEADER}` };
  const timestamp = Number.parseInt(v.timestamp, 10);
  const now = Math.floor((v.now ?? Date.now()) / 1000);
  if (Math.abs(now - timestamp) > (v.toleranceSeconds ?? DEFAULT_TOLERANCE_S)) return { kind: 'invalid', reason: 'timestamp outside the tolerance window' };
  const expected = Buffer.from(signWebhook(v.secret, timestamp, v.body));
  const matches = v.signature.split(',').map((s) => Buffer.from(s.trim())).some((given) =>
    given.length === expected.length && timingSafeEqual(given, expected));
  return matches ? { kind: 'valid' } : { kind: 'invalid', reason: 'signature does not match' };
}
