/** What the console's GET filter forms share: empty fields, and the chosen option. */
import { z } from 'zod';
import { html, type Html } from '../html.ts';

/** A filter field that may come empty: a submitted form sends `''` for "any", read as absent. */
export function blank<T extends z.ZodType>(schema: T) {
  return z.union([z.literal('').transform(() => undefined), schema]).optional();
}

/** ` selected` on the option that is the current value. */
export function selected(on: boolean): Html {
  return on ? html` selected` : html``;
}
