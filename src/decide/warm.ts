import type { Deps } from '../deps.ts';
import { factsOf, jobFacts, signatureKey } from './gather.ts';
import { busyJobs, busySignatures } from './warm-sql.ts';

export interface WarmOptions {
  /** How far back "lately" reaches. @defaultValue 30 days */
  days?: number;
  signatures?: number;
  jobs?: number;
  /** Lookups at once: warming must not crowd out the decisions being answered meanwhile. @defaultValue 2 */
  concurrency?: number;
}

export interface WarmResult {
  signatures: number;
  jobs: number;
  /** Lookups that failed (a statement timeout on a very busy signature): those load on first use. */
  failed: number;
  ms: number;
}

/**
 * Fills the decision caches from the store after a start: the facts of the signatures failures
 * were most often about in the last `days`, and of the busiest jobs. A replica that just started
 * then answers a failure storm from memory instead of sending every first sighting to the store.
 * Runs beside the server; decisions taken meanwhile load what they need themselves.
 */
export async function warmDecisions(deps: Pick<Deps, 'pool' | 'decideCache' | 'policies' | 'clock'>, o: WarmOptions = {}): Promise<WarmResult> {
  const t = performance.now();
  const since = new Date(deps.clock().getTime() - (o.days ?? 30) * 86_400_000);
  // The main pool: the decision pool's statement timeout is sized for answers, not for listing a month.
  const pool = deps.pool;
  const set = deps.policies.current();
  const [signatures, jobs] = await Promise.all([busySignatures(pool, since, o.signatures ?? 20_000), busyJobs(pool, since, o.jobs ?? 5_000)]);
  const tasks: (() => Promise<unknown>)[] = [
    ...signatures.map((s) => () => deps.decideCache.signatures.get(signatureKey(s.fingerprint, set), () => factsOf({ pool }, set, s.id, s.embedding))),
    ...jobs.map((job) => () => jobFacts({ pool, decideCache: deps.decideCache }, job)),
  ];
  let next = 0;
  let failed = 0;
  const lane = async () => {
    while (next < tasks.length) await tasks[next++]?.().catch(() => failed++);
  };
  await Promise.all(Array.from({ length: o.concurrency ?? 2 }, lane));
  return { signatures: signatures.length, jobs: jobs.length, failed, ms: performance.now() - t };
}
