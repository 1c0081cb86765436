/**
 * The one error type for broken or refused things. Expected outcomes (a duplicate event,
 * "no similar incident") are values, not errors. Codes map to HTTP in `http/error-handler.ts`
 * and to retry/no-retry in `queue/retry.ts`, and nowhere else.
 */
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'overloaded'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

export interface ErrorDetail {
  /** Where the fault is: a JSON path into the input, or the name of a field or variable. */
  path: (string | number)[];
  message: string;
}

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly details: readonly ErrorDetail[];
  /** How long the far side asked to be left alone (a rate limit's `Retry-After`); the queue waits this long before the next try. */
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: { details?: ErrorDetail[]; cause?: unknown; retryAfterMs?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? [];
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
