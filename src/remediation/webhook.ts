/**
 * The webhook executor: any action, POSTed as signed JSON to a receiver that does what Medic
 * cannot see. The receiver verifies the signature and dedupes on the idempotency key, since a
 * delivery may be repeated after a timeout (docs/webhook.md).
 */
import type { WebhookConnection } from './config.ts';
import { done, type Executor, type WebhookTarget } from './executor.ts';
import { checked } from './http-outcome.ts';
import { send, type HttpDeps } from './http.ts';
import { dryRunOf, type RemedyParts } from './remedy.ts';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from './webhook-signature.ts';

/** The JSON a receiver gets; a webhook action's `payload` is merged in, under Medic's own fields. */
export function webhookBody(request: Parameters<Executor<WebhookTarget>>[0], sentAt: Date): Record<string, unknown> {
  const { action, target, idempotencyKey } = request;
  const extra = action.kind === 'webhook' ? action.payload : {};
  return {
    ...extra,
    id: idempotencyKey,
    sent_at: sentAt.toISOString(),
    action,
    run: target.run ?? null,
    target: target.forwarded ?? null,
  };
}

/**
 * The webhook executor with its dry run; it observes nothing: a receiver dedupes on the
 * idempotency key, so a delivery repeated after a crash is not acted on twice.
 */
export function webhookRemedy(connection: WebhookConnection, deps: HttpDeps): RemedyParts<WebhookTarget> {
  return {
    execute: webhookExecutor(connection, deps),
    describe(request) {
      const body = JSON.stringify({ ...webhookBody(request, new Date(0)), sent_at: '(the time of sending)' });
      return dryRunOf('webhook', { method: 'POST', url: request.target.url ?? connection.url, headers: { 'content-type': 'application/json', [IDEMPOTENCY_HEADER]: request.idempotencyKey }, body }, {
        [TIMESTAMP_HEADER]: '(Unix seconds at sending)', [SIGNATURE_HEADER]: 'v1=(HMAC-SHA256 of the timestamp and body with the shared secret)',
      });
    },
    observe: () => Promise.resolve({ kind: 'unobservable', detail: 'a webhook receiver is not observable; it dedupes on the idempotency key' }),
    compare: () => ({ applied: false, detail: 'not observable' }),
  };
}

/** Builds the executor for one webhook connection; a target's own URL wins over the connection's. */
export function webhookExecutor(connection: WebhookConnection, deps: HttpDeps): Executor<WebhookTarget> {
  return async (request) => {
    const url = request.target.url ?? connection.url;
    const now = deps.now();
    const body = JSON.stringify(webhookBody(request, new Date(now)));
    const timestamp = Math.floor(now / 1000);
    const result = await send({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/json',
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signWebhook(connection.secret, timestamp, body),
        [IDEMPOTENCY_HEADER]: request.idempotencyKey,
      },
      body,
    }, connection, deps);
    const c = checked(result, `webhook ${new URL(url).origin}`);
    if (c.kind === 'failed') return c.outcome;
    return done(`delivered ${request.action.kind} to ${new URL(url).origin} (HTTP ${c.response.status})`, c.response.json ?? c.response.text);
  };
}
