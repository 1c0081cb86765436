import { ZodError } from 'zod';
import { isAppError } from '../errors.ts';

/**
 * Whether a failed job is worth another try. The one place that maps errors to retry/no-retry:
 * bad input stays bad, a missing row stays missing; outages and unknown errors may pass.
 */
export function retryable(err: unknown): boolean {
  if (err instanceof ZodError) return false;
  if (!isAppError(err)) return true;
  switch (err.code) {
    case 'bad_request':
    case 'unauthorized':
    case 'forbidden':
    case 'not_found':
    case 'conflict':
    case 'payload_too_large':
      return false;
    case 'overloaded':
    case 'rate_limited':
    case 'unavailable':
    case 'internal':
      return true;
    default: {
      const never: never = err.code;
      return never;
    }
  }
}

/**
 * How long to wait before try `attemptsMade + 1`: what the failure asked for (a rate limit's
 * `Retry-After`), else the catalog's backoff doubled with each try. Both queues use it.
 */
export function retryDelayMs(err: unknown, attemptsMade: number, backoffMs: number): number {
  if (isAppError(err) && err.retryAfterMs !== undefined) return Math.max(0, err.retryAfterMs);
  return Math.round(backoffMs * 2 ** Math.max(0, attemptsMade - 1));
}
