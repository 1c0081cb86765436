import type { BudgetAsk, GuardMemory, SpendMark } from './guard-memory.ts';

/**
 * Where the policies' budgets are counted. In process when Medic runs alone (its decisions are the
 * only spenders, and others' reach it within the refresh interval); in Redis when `REDIS_URL` is
 * set, so that replicas spend one budget together: a spend is checked and counted in one atomic
 * script, and a replica that lost the race is told so and decides again with the budget spent.
 */
export interface BudgetLedger {
  readonly kind: 'memory' | 'redis';
  /** Decisions already taken under each budget in its window, counted up to its `max`. */
  used(budgets: BudgetAsk[], now: number): Promise<Record<string, number>>;
  /** Counts one decision under `b` when its budget has room left; false when it was spent meanwhile. */
  spend(b: BudgetAsk, decisionId: string, now: number): Promise<boolean>;
  /** Takes back a spend whose decision was not logged. */
  refund(b: BudgetAsk, decisionId: string): Promise<void>;
  /** Spends the store holds (at start, after Redis lost its memory, and other replicas' when counted in process). */
  absorb(spends: SpendMark[]): Promise<void>;
  /** True once, after the ledger lost what it held (Redis restarted): the store's spends are to be absorbed again. */
  takeForgotten(): boolean;
  close(): Promise<void>;
}

/** The ledger of one process: the guard memory's spends. Check and count happen with no await between them. */
export function memoryLedger(memory: GuardMemory): BudgetLedger {
  return {
    kind: 'memory',
    used: async (budgets, now) => memory.budgetUsed(budgets, now),
    async spend(b, decisionId, now) {
      if ((memory.budgetUsed([b], now)[b.policyId] ?? 0) >= b.max) return false;
      memory.addSpend({ decisionId, policyId: b.policyId, key: b.key, at: now });
      return true;
    },
    refund: async (_b, decisionId) => memory.removeSpend(decisionId),
    async absorb(spends) {
      for (const s of spends) memory.addSpend(s);
    },
    takeForgotten: () => false,
    close: async () => undefined,
  };
}
