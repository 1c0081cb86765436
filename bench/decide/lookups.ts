/**
 * The decision's lookups one at a time, with no load: each query of the gather step timed on its
 * own for the same inputs the load phases send, split by whether the failure's signature is one
 * of the most popular (thousands of incidents) — where the cost of a query grows with history.
 */
import type { Pool } from '../../src/db/pool.ts';
import { guardCounters, incidentsOf, jobMedianMs, servicesOfJob, signatureIdByFingerprint } from '../../src/decide/sql.ts';
import { datasetSizes, datasetsRead, previousStart, upstreamJobs, upstreamStates } from '../../src/decide/preflight-sql.ts';
import { DecideRequest, type DecisionInput } from '../../src/decide/schema.ts';
import { resolutionStats, similarSignatures } from '../../src/incidents/read-sql.ts';
import { budgetKey } from '../../src/policies/guardrails.ts';
import type { PolicySet } from '../../src/policies/load.ts';
import { createHashingEmbedder } from '../../src/signatures/embedder.ts';
import { createSignatureService } from '../../src/signatures/service.ts';
import { createSharedMiner } from '../../src/signatures/shared-miner.ts';
import type { Ask } from './sample.ts';

/** Signatures with ids up to this are the seed's most popular (ids follow popularity). */
const HOT_IDS = 20;

export type LookupTimes = Map<string, { all: number[]; hot: number[] }>;

/** Times every lookup of every input, in order; `hot` holds the inputs whose signature is among the most popular. */
export async function lookupCosts(pool: Pool, set: PolicySet, asks: Ask[]): Promise<LookupTimes> {
  const times: LookupTimes = new Map();
  const signatures = createSignatureService(createSharedMiner(pool));
  const embedder = createHashingEmbedder(256);
  const windowMinutes = Math.max(0, ...set.policies.map((p) => p.guardrails.breaker?.within_minutes ?? 0));
  const cap = Math.max(0, ...set.policies.map((p) => p.guardrails.breaker?.failures ?? 0));
  for (const ask of asks) {
    const input: DecisionInput = DecideRequest.parse(JSON.parse(ask.body)).input;
    const now = new Date();
    const job = `${input.job.namespace}/${input.job.name}`;
    const row: [string, number][] = [];
    const time = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      const out = await work();
      row.push([name, performance.now() - t]);
      return out;
    };
    let hot = false;
    await time('servicesOfJob', () => servicesOfJob(pool, job));
    if (input.kind === 'failure') {
      const sig = await time('signature match (miner, in process)', () => signatures.match(input.error.message, input.error.detail ?? null));
      const [vector] = await time('embed (in process)', () => embedder.embed([sig.embeddingText]));
      const id = await time('signatureIdByFingerprint', () => signatureIdByFingerprint(pool, sig));
      hot = id !== null && id <= HOT_IDS;
      const near = await time('similarSignatures (HNSW, k=5)', () => similarSignatures(pool, vector ?? [], 5, 0.5));
      await time('jobMedianMs', () => jobMedianMs(pool, job));
      await time('resolutionStats', () => resolutionStats(pool, near.filter((s) => s.similarity >= 0.8).map((s) => s.id)));
      await time('incidentsOf', () => incidentsOf(pool, near, 5));
      const specs = set.policies.flatMap((p) => {
        const b = p.guardrails.budget;
        const key = b && p.on === input.kind ? budgetKey(p, input, sig.fingerprint) : null;
        return b && key ? [{ policyId: p.id, key, windowMinutes: b.window_minutes, max: b.max }] : [];
      });
      const failures = { signatureId: id, fingerprint: sig.fingerprint, since: new Date(now.getTime() - windowMinutes * 60_000), cap };
      await time('guardCounters (recent failures + budgets)', () => guardCounters(pool, failures, specs, now));
    } else {
      const up = await time('upstreamJobs', () => upstreamJobs(pool, job));
      await time('previousStart', () => previousStart(pool, job, now, null));
      const read = await time('datasetsRead', () => datasetsRead(pool, job));
      await time('upstreamStates', () => upstreamStates(pool, up, now));
      await time('datasetSizes', () => datasetSizes(pool, input.inputs?.map((d) => d.dataset) ?? read, now));
    }
    for (const [name, ms] of row) {
      const t = times.get(name) ?? times.set(name, { all: [], hot: [] }).get(name);
      t?.all.push(ms);
      if (hot) t?.hot.push(ms);
    }
  }
  return times;
}
