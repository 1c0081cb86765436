/**
 * A fake webhook receiver that does what docs/webhook.md asks of a real one: verifies the
 * signature over the raw body, refuses a bad one with 401, and answers a repeated idempotency
 * key as a duplicate without acting twice.
 */
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature } from '../remediation/webhook-signature.ts';
import { startFakeServer, type FakeServer } from './server.ts';

export interface Delivery {
  idempotencyKey: string | undefined;
  verified: boolean;
  /** Why verification failed, when it did. */
  reason?: string;
  /** True when the key was seen before: the receiver must not act again. */
  duplicate: boolean;
  body: unknown;
}

export interface FakeWebhookSinkState {
  deliveries: Delivery[];
}

export interface FakeWebhookSink extends FakeServer {
  state: FakeWebhookSinkState;
  /** The deliveries that were verified and new: what a receiver would act on. */
  accepted(): Delivery[];
}

/** Starts a webhook sink on a loopback port; it verifies with `secret`. */
export async function createWebhookSink(options: { secret: string; port?: number; now?: () => number }): Promise<FakeWebhookSink> {
  const state: FakeWebhookSinkState = { deliveries: [] };
  const seen = new Set<string>();
  const server = await startFakeServer((c) => {
    const verdict = verifyWebhookSignature({
      secret: options.secret, timestamp: c.headers[TIMESTAMP_HEADER], signature: c.headers[SIGNATURE_HEADER], body: c.rawBody,
      ...(options.now ? { now: options.now() } : {}),
    });
    const key = c.headers[IDEMPOTENCY_HEADER];
    if (verdict.kind === 'invalid') {
      state.deliveries.push({ idempotencyKey: key, verified: false, reason: verdict.reason, duplicate: false, body: c.body });
      return { status: 401, body: { error: verdict.reason } };
    }
    const duplicate = key !== undefined && seen.has(key);
    if (key !== undefined) seen.add(key);
    state.deliveries.push({ idempotencyKey: key, verified: true, duplicate, body: c.body });
    return { status: 200, body: { received: true, duplicate } };
  }, options.port === undefined ? {} : { port: options.port });
  return {
    ...server,
    state,
    accepted: () => state.deliveries.filter((d) => d.verified && !d.duplicate),
  };
}
