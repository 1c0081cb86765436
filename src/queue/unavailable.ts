import type { Logger } from 'pino';

/**
 * ioredis's (and BullMQ's) own words for a Redis it cannot reach: a command refused while
 * disconnected (Medic's producers keep no offline queue), a connection closed under a command, or
 * a command given up after its retries. These carry no code worth reading, so the HTTP error
 * mapping and the decision's degraded reason both read the message.
 */
const UNREACHABLE = /enableOfflineQueue|max retries per request|Connection is closed/i;

export const isRedisUnavailable = (err: unknown): boolean => err instanceof Error && UNREACHABLE.test(err.message);

/**
 * Queues a job whose work PostgreSQL already holds and the heal sweep queues again when it is
 * lost: while Redis cannot be reached, what the caller did (a vote, an agent run started) stands
 * and is answered as done, and the sweep starts the job once Redis is back.
 */
export async function enqueueOrLeaveToSweep(log: Pick<Logger, 'warn'>, what: string, enqueue: () => Promise<unknown>): Promise<void> {
  try {
    await enqueue();
  } catch (err) {
    if (!isRedisUnavailable(err)) throw err;
    log.warn({ err }, `${what} not queued, Redis being unavailable: the heal sweep queues it once Redis is back`);
  }
}
