/**
 * Real logs hold NUL and other bytes PostgreSQL cannot store in text or jsonb. A failure is
 * never dropped for them: its payload and events are stored with each such character replaced
 * by U+FFFD, and every event says how many were replaced (facet `unstorable_characters_replaced`).
 */
import { replaceUnstorable } from '../db/unstorable.ts';
import type { NormalizedRunEvent } from '../runs/schema.ts';
import type { IncomingPayload } from '../runs/store.ts';

/** The payload as it can be stored, or undefined when nothing in it needed replacing. */
export function storablePayload(p: IncomingPayload): IncomingPayload | undefined {
  const body = replaceUnstorable(p.body);
  const events = p.events.map((e) => replaceUnstorable(e));
  const replaced = body.replaced + events.reduce((n, e) => n + e.replaced, 0);
  if (replaced === 0) return undefined;
  const marked = events.map(({ value: e, replaced: here }): NormalizedRunEvent => ({
    // The events are read from the payload: what was replaced in it is the count people need.
    ...e, facets: { ...e.facets, unstorable_characters_replaced: Math.max(body.replaced, here) },
  }));
  return { body: body.value, events: marked };
}
