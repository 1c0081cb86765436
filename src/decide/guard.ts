import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Queryable } from '../db/pool.ts';
import type { PolicyStore } from '../policies/store.ts';
import { memoryLedger, type BudgetLedger } from './budget-ledger.ts';
import { createGuardMemory, type FailureAsk, type FailureMark, type GuardMemory } from './guard-memory.ts';
import { guardChanges, storeNow } from './guard-sql.ts';

/**
 * The guardrails' counters without a table read per decision. At start the window the policies
 * look back over is read once; then, every `refreshMs`, what was written since (failed attempts the
 * ingest attached, other replicas' decisions) — so the counters are at most about `refreshMs` plus
 * one read behind the store, and each decision records how far (`age`). This process's own
 * decisions count at once. A decision about a moment before the window held (a replay, a backtest,
 * a caller's `time` in the past) is counted from the store, as before.
 */
export interface GuardFacts {
  /** This process among the replicas: its decisions are recorded under it and not read back. */
  readonly replica: string;
  readonly ledger: BudgetLedger;
  /** Resolves once the window is loaded (started on first use if not before). */
  ready(): Promise<void>;
  /** True when the memory covers counting back to `since` (epoch ms) for a decision at `now`. */
  covers(since: number): boolean;
  /** How old the counters are, in ms: since the last read of the store's changes began. */
  age(): number;
  recentFailures(ask: FailureAsk): number[];
  /** A failure this process decided on (counted at once; taken back if its decision is not logged). */
  addFailure(f: FailureMark): void;
  removeFailure(f: FailureMark): void;
  close(): Promise<void>;
}

export interface GuardFactsOptions {
  pool: Queryable;
  memory: GuardMemory;
  ledger: BudgetLedger;
  replica: string;
  log: Logger;
  clock: () => Date;
  /** How far back the policies look (their longest breaker or budget window), in ms; read at each refresh. */
  horizonMs: () => number;
  /** @defaultValue 250 ms */
  refreshMs?: number;
  /** Rows written this long before the last read are read again, for transactions that were open then. @defaultValue 2 s */
  overlapMs?: number;
}

export function createGuardFacts(o: GuardFactsOptions): GuardFacts {
  const refreshMs = o.refreshMs ?? 250;
  const overlapMs = o.overlapMs ?? 2_000;
  let loadedSince = Number.POSITIVE_INFINITY;
  let writtenAfter: Date | null = null;
  let syncedAt = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  let started: Promise<void> | undefined;
  let refreshing = false;
  let closed = false;

  const sync = async (full: boolean) => {
    const localStart = Date.now();
    const horizon = o.horizonMs();
    const since = o.clock().getTime() - horizon;
    const readFrom = await storeNow(o.pool);
    const changes = await guardChanges(o.pool, { writtenAfter: full ? null : writtenAfter, since: new Date(since), replica: o.replica });
    for (const f of changes.failures) o.memory.addFailure(f);
    if (full || o.ledger.kind === 'memory') await o.ledger.absorb(changes.spends);
    if (full) loadedSince = Math.min(loadedSince, since);
    writtenAfter = new Date(readFrom.getTime() - overlapMs);
    syncedAt = localStart;
    o.memory.prune(since);
  };

  const tick = async () => {
    if (refreshing || closed) return;
    refreshing = true;
    try {
      // A longer window than was loaded (new policies), or a Redis that forgot its budgets: read the window again.
      const full = o.clock().getTime() - o.horizonMs() < loadedSince || o.ledger.takeForgotten();
      await sync(full);
    } catch (err) {
      o.log.warn({ err, ageMs: Date.now() - syncedAt }, 'guardrail counters not refreshed');
    } finally {
      refreshing = false;
    }
  };

  const ready = () => {
    started ??= sync(true).then(() => {
      if (closed) return;
      timer = setInterval(() => void tick(), refreshMs);
      timer.unref();
    }, (err: unknown) => {
      started = undefined; // the next decision tries again
      throw err;
    });
    return started;
  };

  return {
    replica: o.replica,
    ledger: o.ledger,
    ready,
    covers: (since) => since >= loadedSince,
    age: () => Math.max(0, Date.now() - syncedAt),
    recentFailures: (ask) => o.memory.recentFailures(ask),
    addFailure: (f) => o.memory.addFailure(f),
    removeFailure: (f) => o.memory.removeFailure(f),
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await o.ledger.close();
    },
  };
}

/** How far back a policy set's guardrails look: its longest breaker or budget window, in ms (a minute at least). */
export function guardHorizonMs(policies: readonly { guardrails: { breaker?: { within_minutes: number } | undefined; budget?: { window_minutes: number } | undefined } }[]): number {
  const minutes = policies.flatMap((p) => [p.guardrails.breaker?.within_minutes ?? 0, p.guardrails.budget?.window_minutes ?? 0]);
  return Math.max(1, ...minutes) * 60_000;
}

/** A name for this process among the replicas writing one decision log. */
export function replicaName(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export interface OpenGuardOptions {
  pool: Queryable;
  log: Logger;
  clock: () => Date;
  policies: PolicyStore;
  /** Budgets in Redis, shared by the replicas; in process without it. */
  redisUrl?: string | null;
  redisPrefix?: string;
  refreshMs?: number;
}

/** The guard of one process: memory, its ledger (Redis when configured), refreshed from `pool`. */
export async function openGuard(o: OpenGuardOptions): Promise<GuardFacts> {
  const memory = createGuardMemory();
  const ledger = o.redisUrl ? await (await import('./budget-redis.ts')).openRedisLedger({ redisUrl: o.redisUrl, prefix: o.redisPrefix ?? 'medic' }) : memoryLedger(memory);
  return createGuardFacts({
    pool: o.pool, memory, ledger, replica: replicaName(), log: o.log, clock: o.clock,
    horizonMs: () => guardHorizonMs(o.policies.current().policies), ...(o.refreshMs ? { refreshMs: o.refreshMs } : {}),
  });
}
