/**
 * A query or path value holding a character PostgreSQL cannot store (db/unstorable.ts) can match
 * nothing stored, so it is refused with 400 naming the field, before any SQL.
 */
import type { FastifyInstance } from 'fastify';
import { isUnstorable } from '../db/unstorable.ts';
import { AppError } from '../errors.ts';

export function refuseUnstorableParameters(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    for (const [where, values] of [['query', req.query], ['params', req.params]] as const) {
      if (typeof values !== 'object' || values === null) continue;
      for (const [name, value] of Object.entries(values as Record<string, unknown>)) {
        const texts = Array.isArray(value) ? value : [value];
        if (texts.some((t) => typeof t === 'string' && isUnstorable(t))) {
          throw new AppError('bad_request', `${where}.${name} holds a NUL character or an unpaired surrogate, which no stored value can hold`, {
            details: [{ path: [where, name], message: 'holds a NUL character or an unpaired surrogate' }],
          });
        }
      }
    }
  });
}
