import type { Fix, SimilarIncident } from '../incidents/evidence.ts';
import type { SimilarSignature } from '../incidents/read-sql.ts';
import type { DerivedSignature } from '../signatures/service.ts';
import type { ServiceContext } from './context.ts';

/**
 * What the decision endpoint keeps between requests to answer in milliseconds: the evidence of a
 * failure signature (its neighbours, what fixed them, its past incidents) and the facts of a job
 * (its services and their forecasts, its usual run time) change slowly, so each is looked up
 * once per `ttlMs` and shared by every request that needs it meanwhile — concurrent misses wait
 * for one lookup. The counters guardrails read (recent failures, budgets) are never cached: they
 * stay in PostgreSQL, so several replicas count together.
 */
export interface TtlCache<V> {
  /** The cached value of `key`, or `load`'s, which is then kept for the time to live. */
  get(key: string, load: () => Promise<V>): Promise<V>;
  readonly size: number;
}

/**
 * A bounded cache (least recently used goes first) whose entries live `ttlMs`; a failed load is
 * not kept. With `staleMs`, an entry past its time to live is still answered for that long while
 * one load in the background replaces it, so a popular key never makes a caller wait for the store.
 */
export function ttlCache<V>(max: number, ttlMs: number, now: () => number = Date.now, staleMs = 0): TtlCache<V> {
  const entries = new Map<string, { at: number; value: Promise<V>; settled: boolean; renewing: boolean }>();
  const put = (key: string, value: Promise<V>, t: number) => {
    const entry = { at: t, value, settled: false, renewing: false };
    entries.set(key, entry);
    value.then(() => { entry.settled = true; }, () => { if (entries.get(key) === entry) entries.delete(key); });
    while (entries.size > max) entries.delete(entries.keys().next().value as string);
  };
  return {
    get(key, load) {
      const hit = entries.get(key);
      const t = now();
      if (hit && t - hit.at < ttlMs) {
        entries.delete(key);
        entries.set(key, hit);
        return hit.value;
      }
      if (hit && hit.settled && t - hit.at < ttlMs + staleMs) {
        if (!hit.renewing) {
          hit.renewing = true;
          // The old value stays until the new one is in; a failed renewal leaves it to expire.
          load().then((v) => { if (entries.get(key) === hit) put(key, Promise.resolve(v), now()); }, () => { hit.renewing = false; });
        }
        return hit.value;
      }
      const value = load();
      put(key, value, t);
      return value;
    },
    get size() {
      return entries.size;
    },
  };
}

/** What Medic knows of a failure signature, as a decision reads it. */
export interface SignatureFacts {
  signatureId: number | null;
  classes: Record<string, number>;
  near: SimilarSignature[];
  fixes: Fix[];
  similar: SimilarIncident[];
  /** When these facts were read from the store (epoch ms). */
  loadedAt: number;
}

/** What Medic knows of a job, as a decision reads it. */
export interface JobFacts {
  services: ServiceContext[];
  medianMs: number | null;
  loadedAt: number;
}

/** The decision endpoint's caches, one set per process (tests build their own). */
export interface DecideCache {
  /** A failure text's signature, by the text (the miner's answer for it moves only as it learns). */
  derived: TtlCache<DerivedSignature>;
  /** By signature fingerprint and policy revision (the classes come from the policies). */
  signatures: TtlCache<SignatureFacts>;
  /** By `namespace/name`. */
  jobs: TtlCache<JobFacts>;
}

/**
 * @defaultValue entries are renewed after 30 s, in the background for 10 min more; 20,000 of
 * each kind at most. Each decision records how old the facts it used were.
 */
export function createDecideCache(ttlMs = 30_000, max = 20_000, staleMs = 600_000): DecideCache {
  return { derived: ttlCache(max, ttlMs, Date.now, staleMs), signatures: ttlCache(max, ttlMs, Date.now, staleMs), jobs: ttlCache(max, ttlMs, Date.now, staleMs) };
}
