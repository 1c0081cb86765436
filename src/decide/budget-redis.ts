import { Redis } from 'ioredis';
import type { BudgetLedger } from './budget-ledger.ts';
import type { BudgetAsk } from './guard-memory.ts';

/** The longest budget window a policy may declare (its schema's bound), so no spend outlives it in Redis. */
const LONGEST_WINDOW_MS = 7 * 24 * 3_600_000;

// Check and count in one step: a budget's spends are a sorted set of decision ids by time.
const SPEND = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

export interface RedisLedgerOptions {
  redisUrl: string;
  /** Key prefix, shared by the replicas of one deployment. @defaultValue `medic` */
  prefix?: string;
}

/** The budgets of every replica in Redis, once it answers (within 10 s). */
export async function openRedisLedger(o: RedisLedgerOptions): Promise<BudgetLedger> {
  // A decision waits for no reconnection: a command fails at once while Redis is away, and the
  // decision answers the safe default.
  const redis = new Redis(o.redisUrl, { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: false });
  const prefix = `${o.prefix ?? 'medic'}:budget:`;
  const key = (b: { policyId: string; key: string }) => `${prefix}${b.policyId}\u0000${b.key}`;
  let readyOnce = false;
  let forgotten = false;
  redis.on('ready', () => {
    // A Redis without persistence comes back empty: the spends are absorbed from the store again.
    if (readyOnce) forgotten = true;
    readyOnce = true;
  });
  redis.on('error', () => undefined); // reported by the commands that fail; ioredis reconnects
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.disconnect();
      reject(new Error(`Redis at ${new URL(o.redisUrl).host} did not answer within 10 s`));
    }, 10_000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });

  return {
    kind: 'redis',
    async used(budgets, now) {
      if (budgets.length === 0) return {};
      const p = redis.pipeline();
      for (const b of budgets) p.zcount(key(b), `(${now - b.windowMinutes * 60_000}`, '+inf');
      const counts = (await p.exec()) ?? [];
      return Object.fromEntries(budgets.map((b, i) => {
        const [err, n] = counts[i] ?? [new Error('no answer'), 0];
        if (err) throw err;
        return [b.policyId, Math.min(b.max, Number(n))];
      }));
    },
    async spend(b: BudgetAsk, decisionId, now) {
      const ok = await redis.eval(SPEND, 1, key(b), now, b.windowMinutes * 60_000, b.max, decisionId, LONGEST_WINDOW_MS);
      return Number(ok) === 1;
    },
    async refund(b, decisionId) {
      await redis.zrem(key(b), decisionId);
    },
    async absorb(spends) {
      if (spends.length === 0) return;
      const p = redis.pipeline();
      for (const s of spends) {
        p.zadd(key(s), 'NX', s.at, s.decisionId);
        p.pexpire(key(s), LONGEST_WINDOW_MS);
      }
      await p.exec();
    },
    takeForgotten() {
      const was = forgotten;
      forgotten = false;
      return was;
    },
    async close() {
      redis.disconnect();
    },
  };
}
