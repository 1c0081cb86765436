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
    case 'unavailable':
    case 'internal':
      return true;
    default: {
      const never: never = err.code;
      return never;
    }
  }
}
