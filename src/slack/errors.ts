/**
 * The one place where what went wrong talking to Slack becomes an `AppError`, whose code the
 * queue maps to retry or not (`queue/retry.ts`): a rate limit waits out its `Retry-After`, an
 * outage backs off, and a refusal (bad token, unknown channel, invalid blocks) is final.
 */
import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from '@slack/web-api';
import { AppError, type ErrorCode } from '../errors.ts';

/** Slack's own error strings for trouble on its side: worth another try. */
const TRANSIENT = new Set(['ratelimited', 'rate_limited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);
const NOT_FOUND = new Set(['channel_not_found', 'message_not_found', 'thread_not_found', 'user_not_found']);
const UNAUTHORIZED = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'no_permission']);
const FORBIDDEN = new Set(['not_in_channel', 'is_archived', 'channel_is_archived', 'restricted_action', 'cant_update_message', 'missing_scope', 'ekm_access_denied']);

function platformCode(error: string): ErrorCode {
  if (TRANSIENT.has(error)) return 'unavailable';
  if (NOT_FOUND.has(error)) return 'not_found';
  if (UNAUTHORIZED.has(error)) return 'unauthorized';
  if (FORBIDDEN.has(error)) return 'forbidden';
  return 'bad_request';
}

/** The AppError for a failed Slack call (`what` names it, e.g. `chat.postMessage`). */
export function slackError(what: string, err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof WebAPIRateLimitedError) {
    return new AppError('unavailable', `${what}: rate limited by Slack, retry after ${err.retryAfter} s`, { cause: err, retryAfterMs: err.retryAfter * 1000 });
  }
  if (err instanceof WebAPIPlatformError) {
    const retryAfter = err.data.response_metadata?.retryAfter;
    return new AppError(platformCode(err.data.error), `${what}: Slack answered ${err.data.error}`, {
      cause: err, ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter * 1000 }),
    });
  }
  if (err instanceof WebAPIHTTPError) {
    const transient = err.statusCode >= 500 || err.statusCode === 408;
    return new AppError(transient ? 'unavailable' : 'bad_request', `${what}: HTTP ${err.statusCode} from Slack`, { cause: err });
  }
  if (err instanceof WebAPIRequestError) return new AppError('unavailable', `${what}: Slack is unreachable (${err.original.message})`, { cause: err });
  return new AppError('internal', `${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** Whether Slack says the message (or its channel) is gone or not ours to edit: post a new one instead. */
export function isGoneMessage(err: AppError): boolean {
  return err.code === 'not_found' || (err.cause instanceof WebAPIPlatformError && err.cause.data.error === 'cant_update_message');
}
