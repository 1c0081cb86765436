/**
 * The one place where what went wrong talking to Slack becomes an `AppError`, whose code the
 * queue maps to retry or not (`queue/retry.ts`): a rate limit waits out its `Retry-After`, an
 * outage backs off, and a refusal (bad token, unknown channel, invalid blocks) is final.
 */
import type { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from '@slack/web-api';
import { AppError, type ErrorCode } from '../errors.ts';

/**
 * The SDK's errors, told apart by their `code` (its `ErrorCode` values) as Slack's own docs do:
 * matching the code rather than the class keeps the SDK out of processes that never call Slack.
 */
type SlackSdkError =
  | { code: 'slack_webapi_rate_limited_error'; error: WebAPIRateLimitedError }
  | { code: 'slack_webapi_platform_error'; error: WebAPIPlatformError }
  | { code: 'slack_webapi_http_error'; error: WebAPIHTTPError }
  | { code: 'slack_webapi_request_error'; error: WebAPIRequestError };

function sdkError(err: unknown): SlackSdkError | undefined {
  if (!(err instanceof Error) || !('code' in err)) return undefined;
  switch (err.code) {
    case 'slack_webapi_rate_limited_error': return { code: err.code, error: err as WebAPIRateLimitedError };
    case 'slack_webapi_platform_error': return { code: err.code, error: err as WebAPIPlatformError };
    case 'slack_webapi_http_error': return { code: err.code, error: err as WebAPIHTTPError };
    case 'slack_webapi_request_error': return { code: err.code, error: err as WebAPIRequestError };
    default: return undefined;
  }
}

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
  const sdk = sdkError(err);
  switch (sdk?.code) {
    case undefined: break;
    case 'slack_webapi_rate_limited_error':
      return new AppError('unavailable', `${what}: rate limited by Slack, retry after ${sdk.error.retryAfter} s`, { cause: err, retryAfterMs: sdk.error.retryAfter * 1000 });
    case 'slack_webapi_platform_error': {
      const { data } = sdk.error;
      const retryAfter = data.response_metadata?.retryAfter;
      return new AppError(platformCode(data.error), `${what}: Slack answered ${data.error}`, {
        cause: err, ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter * 1000 }),
      });
    }
    case 'slack_webapi_http_error': {
      const transient = sdk.error.statusCode >= 500 || sdk.error.statusCode === 408;
      return new AppError(transient ? 'unavailable' : 'bad_request', `${what}: HTTP ${sdk.error.statusCode} from Slack`, { cause: err });
    }
    case 'slack_webapi_request_error':
      return new AppError('unavailable', `${what}: Slack is unreachable (${sdk.error.original.message})`, { cause: err });
    default: {
      const unreachable: never = sdk;
      return unreachable;
    }
  }
  return new AppError('internal', `${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** Whether Slack says the message (or its channel) is gone or not ours to edit: post a new one instead. */
export function isGoneMessage(err: AppError): boolean {
  const sdk = sdkError(err.cause);
  return err.code === 'not_found' || (sdk?.code === 'slack_webapi_platform_error' && sdk.error.data.error === 'cant_update_message');
}
