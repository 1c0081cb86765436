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

/** A bounded cache (least recently used goes first) whose entries live `ttlMs`; a failed load is not kept. */
export function ttlCache<V>(max: number, ttlMs: number, now: () => number = Date.now): TtlCache<V> {
  const entries = new Map<string, { at: number; value: Promise<V> }>();
  return {
    get(key, load) {
      const hit = entries.get(key);
      const t = now();
      if (hit && t - hit.at < ttlMs) {
        entries.delete(key);
        entries.set(key, hit);
        return hit.value;
      }
      const value = load();
      entries.set(key, { at: t, value });
      value.catch(() => { if (entries.get(key)?.value === value) entries.delete(key); });
      while (entries.size > max) entries.delete(entries.keys().next().value as string);
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
}

/** What Medic knows of a job, as a decision reads it. */
export interface JobFacts {
  services: ServiceContext[];
  medianMs: number | null;
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

/** @defaultValue entries live 30 s; 20,000 of each kind at most. */
export function createDecideCache(ttlMs = 30_000, max = 20_000): DecideCache {
  return { derived: ttlCache(max, ttlMs), signatures: ttlCache(max, ttlMs), jobs: ttlCache(max, ttlMs) };
}
