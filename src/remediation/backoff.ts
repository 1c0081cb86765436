/** How long to wait between tries of one HTTP call. Pure, so the rules are tested without a clock. */

/** First wait before jitter. @defaultValue 250 ms */
export const BASE_DELAY_MS = 250;
/** Longest computed wait; a server's `Retry-After` may ask for more, within the call's budget. @defaultValue 5 s */
export const MAX_DELAY_MS = 5_000;

/**
 * Exponential backoff with "equal jitter": half the doubled delay is fixed, half random, so
 * callers that failed together do not come back together, and none comes back at once.
 */
export function backoffDelay(attempt: number, random: () => number): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * A `Retry-After` header in milliseconds: delta-seconds or an HTTP date; undefined when absent
 * or unreadable (then the computed backoff applies).
 */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number.parseInt(text, 10) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Whether a status is worth another try: the server is overloaded or broken, not refusing. */
export function retryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}
