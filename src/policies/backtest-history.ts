import type { FailureInput } from '../decide/schema.ts';
import { summariseFixes, type Fix } from '../incidents/evidence.ts';
import { Orchestrator } from '../runs/schema.ts';
import type { PastResolution, StoredFailure } from './backtest-sql.ts';

/** A stored failed attempt as its orchestrator would have posted it to the decision endpoint. */
export function inputOf(f: StoredFailure): FailureInput {
  const orchestrator = Orchestrator.safeParse(f.orchestrator);
  // Analysis names a failure without a message the same way, so its signature was made from this.
  const message = (f.error_message?.trim() ? f.error_message : `${f.name} failed without an error message`).slice(0, 100_000);
  return {
    kind: 'failure', source: f.source, ...(orchestrator.success ? { orchestrator: orchestrator.data } : {}),
    job: { namespace: f.namespace, name: f.name }, run: { key: f.run_key }, time: f.failed_at, attempt: f.attempt,
    error: { message, ...(f.error_detail ? { detail: f.error_detail.slice(0, 1_000_000) } : {}) },
  };
}

/** The continuous median (Postgres's percentile_cont(0.5)). */
function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = (s.length - 1) / 2;
  const lo = s[Math.floor(mid)] ?? 0;
  const hi = s[Math.ceil(mid)] ?? lo;
  return Math.round(lo + (hi - lo) * (mid - Math.floor(mid)));
}

/**
 * What fixed failures of these signatures, counting only resolutions made before `at`: the same
 * statistics the decision endpoint reads (per signature and action: successes, tries that were
 * not noise, median time to recover), folded the same way.
 */
export function fixesAsOf(resolutions: readonly PastResolution[], at: Date): Fix[] {
  const groups = new Map<string, { signature_id: number; action: string; successes: number; attempts: number; ttr: number[] }>();
  for (const r of resolutions) {
    if (r.resolved_at.getTime() >= at.getTime()) continue;
    const key = `${r.signature_id}\u0000${r.action}`;
    const g = groups.get(key) ?? { signature_id: r.signature_id, action: r.action, successes: 0, attempts: 0, ttr: [] };
    if (r.outcome === 'success') {
      g.successes += 1;
      if (r.time_to_recover_ms !== null) g.ttr.push(r.time_to_recover_ms);
    }
    if (r.outcome !== 'noise') g.attempts += 1;
    groups.set(key, g);
  }
  return summariseFixes([...groups.values()].map((g) => ({
    signature_id: g.signature_id, action: g.action, detail: null, successes: g.successes, attempts: g.attempts, median_ttr_ms: median(g.ttr),
  })));
}

/** Times per key: the replay's own memory of failures and decisions, read through a window. */
export interface Counter {
  add(key: string, at: number): void;
  /** The times under `key` at or after `since`, newest first. */
  since(key: string, since: number): number[];
}

export function createCounter(): Counter {
  const times = new Map<string, number[]>();
  return {
    add(key, at) {
      const list = times.get(key);
      if (list) list.push(at);
      else times.set(key, [at]);
    },
    since: (key, since) => (times.get(key) ?? []).filter((t) => t >= since).reverse(),
  };
}
