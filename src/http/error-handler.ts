import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isLostConnection } from '../db/lost-connection.ts';
import { isAppError, type ErrorCode, type ErrorDetail } from '../errors.ts';
import { isRedisUnavailable } from '../queue/unavailable.ts';

/** The one place where errors become HTTP statuses. */
export const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  overloaded: 429,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

/** The body of every error answer. */
export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetail[] };
}

const body = (code: string, message: string, details: ErrorDetail[] = []): ErrorBody => ({
  error: { code, message, details },
});

// Connection refused or reset, and PostgreSQL's admin-shutdown / cannot-connect-now / connection classes:
// the caller should retry later, which 503 says and 500 does not.
const OUTAGE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);

// PostgreSQL's disk_full: nothing of the request was stored, and nothing will be until someone makes room.
const DISK_FULL = '53100';

const sqlState = (err: unknown): string => (typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '');

function isStoreOutage(err: unknown): boolean {
  if (OUTAGE_CODES.has(sqlState(err))) return true;
  return isLostConnection(err);
}

export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const answer = (status: number, b: ErrorBody): FastifyReply => {
    // What the caller was told, at debug: for someone tracing a refusal (and the suite's secrets scan).
    req.log.debug({ status, answer: b.error }, 'error answered');
    return reply.status(status).send(b);
  };
  if (isAppError(err)) {
    if (err.code === 'unauthorized') void reply.header('www-authenticate', 'Bearer realm="medic"');
    if (err.retryAfterMs !== undefined) void reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfterMs / 1_000))));
    return answer(STATUS[err.code], body(err.code, err.message, [...err.details]));
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext ?? 'request';
    const details = err.validation.map((v) => ({
      path: [where, ...v.instancePath.split('/').filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p))],
      message: v.message ?? 'is invalid',
    }));
    const first = details[0];
    const summary = first ? `${first.path.join('.')}: ${first.message}` : 'invalid request';
    return answer(400, body('bad_request', summary, details));
  }
  if (sqlState(err) === DISK_FULL) {
    req.log.error({ err }, 'the store\'s disk is full');
    void reply.header('retry-after', '60');
    return answer(507, body('insufficient_storage', `the store's disk is full (${err.message}): nothing from this request was stored; free space where the store keeps its data (MEDIC_DATA_DIR for the embedded store) and send it again`));
  }
  if (isStoreOutage(err)) {
    req.log.error({ err }, 'store unavailable');
    void reply.header('retry-after', '5');
    return answer(503, body('unavailable', 'the store is unavailable; retry shortly'));
  }
  if (isRedisUnavailable(err)) {
    req.log.error({ err }, 'queue unavailable');
    void reply.header('retry-after', '5');
    return answer(503, body('unavailable', 'Redis (the job queue) is unavailable; retry shortly'));
  }
  const status = err.statusCode ?? 500;
  if (status === 413) return answer(413, body('payload_too_large', err.message));
  if (status === 415) return answer(415, body('unsupported_media_type', err.message));
  if (status >= 400 && status < 500) return answer(status, body('bad_request', err.message));
  req.log.error({ err }, 'request failed');
  return answer(500, body('internal', 'internal error; see the server log'));
}
