/**
 * Per-token rate limits (`@fastify/rate-limit`): each token (each address without one) may make
 * `MEDIC_RATE_LIMIT_PER_MINUTE` requests a minute, or its grant's own `rate_per_minute`. With
 * `REDIS_URL` the counts live in Redis, so replicas share them; a Redis that does not answer
 * lets requests through rather than refusing them all. Probes and scrapes are not counted.
 */
import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';

const UNCOUNTED = new Set(['/healthz', '/readyz', '/metrics']);
const digest = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 32);

/** The bearer token's digest (never the token itself, which would land in Redis keys), or the address. */
function keyOf(req: FastifyRequest): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1] ? `token:${digest(match[1])}` : `ip:${req.ip}`;
}

export async function limitRates(app: FastifyInstance, config: Pick<Config, 'ratePerMinute' | 'tokens' | 'redisUrl' | 'queueName'>): Promise<void> {
  // Without tokens the server is on loopback and trusts its callers (see auth.ts): nothing to limit per token.
  if (config.ratePerMinute === 0 || config.tokens.length === 0) return;
  const perToken = new Map(config.tokens.filter((t) => t.rate_per_minute !== undefined).map((t) => [`token:${digest(t.token)}`, t.rate_per_minute as number]));
  const redis = config.redisUrl ? new Redis(config.redisUrl, { connectTimeout: 500, maxRetriesPerRequest: 1, lazyConnect: false }) : undefined;
  if (redis) {
    redis.on('error', () => undefined); // answered by skipOnError; the queue's readiness reports Redis
    app.addHook('onClose', async () => { redis.disconnect(); });
  }
  await app.register(rateLimit, {
    global: true,
    max: async (_req, key) => perToken.get(key) ?? config.ratePerMinute,
    timeWindow: 60_000,
    keyGenerator: keyOf,
    allowList: (req) => UNCOUNTED.has(req.url.split('?')[0] ?? ''),
    ...(redis ? { redis, nameSpace: `${config.queueName}-rate-` } : {}),
    skipOnError: true,
    errorResponseBuilder: (_req, context) => new AppError('rate_limited', `more than ${context.max} requests a minute with this token; retry in ${context.after}`, { retryAfterMs: context.ttl }),
  });
}
