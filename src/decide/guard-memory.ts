/**
 * The guardrails' counters held in process: when each signature failed lately, and which
 * decisions spent each policy's budget. Nothing here reads the store; `guard.ts` fills it from the
 * store at start, from this process's own decisions as they are taken, and from what other
 * replicas and the ingest wrote, a few times a second.
 */

/** A budget as a matched policy declares it: `max` decisions per `windowMinutes` under `key`. */
export interface BudgetAsk {
  policyId: string;
  key: string;
  windowMinutes: number;
  max: number;
}

/** What the breakers need of a failure: its stored signature (if any) and fingerprint, and how far back and how many. */
export interface FailureAsk {
  signatureId: number | null;
  fingerprint: string;
  since: number;
  cap: number;
}

/** A failure the breakers count: keyed by its job, run and attempt, so that one attempt counts once. */
export interface FailureMark {
  signatureId: number | null;
  fingerprint: string | null;
  key: string;
  at: number;
}

/** A decision that spent a budget. */
export interface SpendMark {
  decisionId: string;
  policyId: string;
  key: string;
  at: number;
}

export interface GuardMemory {
  addFailure(f: FailureMark): void;
  removeFailure(f: FailureMark): void;
  addSpend(s: SpendMark): void;
  removeSpend(decisionId: string): void;
  /** The failures of a signature since `since`, newest first, one per run attempt, `cap` at most (epoch ms). */
  recentFailures(ask: FailureAsk): number[];
  /** Decisions already taken under each budget in its window, counted up to its `max`. */
  budgetUsed(budgets: BudgetAsk[], now: number): Record<string, number>;
  /** Forgets what is older than `before` (epoch ms). */
  prune(before: number): void;
  readonly size: { failures: number; spends: number };
}

/**
 * Failures kept per signature at most: a breaker trips at its `failures`, so a storm needs no
 * more than that many of them, and reading a storm's counter stays as cheap as a quiet one's.
 */
const KEEP_FAILURES = 1_000;

function trim(m: Map<string, number>): void {
  const keep = new Set([...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, KEEP_FAILURES).map(([k]) => k));
  for (const k of m.keys()) if (!keep.has(k)) m.delete(k);
}

export function createGuardMemory(): GuardMemory {
  // Failures by `s:<signature id>` and by `f:<fingerprint>`: ingested failures know their stored
  // signature, decisions their fingerprint; a decision reads both.
  const failures = new Map<string, Map<string, number>>();
  const spends = new Map<string, Map<string, number>>();
  const spendOf = new Map<string, string>();

  const failureKeys = (f: { signatureId: number | null; fingerprint: string | null }) =>
    [f.signatureId !== null ? `s:${f.signatureId}` : null, f.fingerprint !== null ? `f:${f.fingerprint}` : null].filter((k): k is string => k !== null);

  return {
    addFailure(f) {
      for (const k of failureKeys(f)) {
        let m = failures.get(k);
        if (!m) failures.set(k, (m = new Map()));
        m.set(f.key, Math.max(m.get(f.key) ?? 0, f.at));
        if (m.size > 2 * KEEP_FAILURES) trim(m);
      }
    },
    removeFailure(f) {
      for (const k of failureKeys(f)) if (failures.get(k)?.get(f.key) === f.at) failures.get(k)?.delete(f.key);
    },
    addSpend(s) {
      const k = `${s.policyId}\u0000${s.key}`;
      let m = spends.get(k);
      if (!m) spends.set(k, (m = new Map()));
      m.set(s.decisionId, s.at);
      spendOf.set(s.decisionId, k);
    },
    removeSpend(decisionId) {
      const k = spendOf.get(decisionId);
      if (k === undefined) return;
      spends.get(k)?.delete(decisionId);
      spendOf.delete(decisionId);
    },
    recentFailures(ask) {
      const latest = new Map<string, number>();
      for (const k of failureKeys(ask)) {
        for (const [key, at] of failures.get(k) ?? []) if (at >= ask.since) latest.set(key, Math.max(latest.get(key) ?? 0, at));
      }
      return [...latest.values()].sort((a, b) => b - a).slice(0, ask.cap);
    },
    budgetUsed(budgets, now) {
      const used: Record<string, number> = {};
      for (const b of budgets) {
        const since = now - b.windowMinutes * 60_000;
        let n = 0;
        for (const at of spends.get(`${b.policyId}\u0000${b.key}`)?.values() ?? []) if (at > since && ++n >= b.max) break;
        used[b.policyId] = n;
      }
      return used;
    },
    prune(before) {
      for (const [k, m] of failures) {
        for (const [key, at] of m) if (at < before) m.delete(key);
        if (m.size === 0) failures.delete(k);
      }
      for (const [k, m] of spends) {
        for (const [id, at] of m) {
          if (at < before) {
            m.delete(id);
            spendOf.delete(id);
          }
        }
        if (m.size === 0) spends.delete(k);
      }
    },
    get size() {
      let f = 0;
      for (const m of failures.values()) f += m.size;
      return { failures: f, spends: spendOf.size };
    },
  };
}
