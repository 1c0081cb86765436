/**
 * What a decision needs to know about a failure when there is no store to ask: its signature,
 * derived the way production derives it, and its similarity to the named incident classes.
 * Policy test cases and the backtest use these, so that they match what the endpoint would see.
 */
import { createSignatureService, type DerivedSignature } from '../signatures/service.ts';
import { localMiner } from '../signatures/shared-miner.ts';

/** The signature of a failure Medic has not seen before, as the decision endpoint would derive it. */
export function offlineSignature(message: string, detail: string | null): Promise<DerivedSignature> {
  // A miner that has learnt nothing, like a store that has never seen the failure.
  return createSignatureService(localMiner()).match(message, detail);
}

/**
 * The highest cosine similarity of a failure's embedding to each class's example embeddings
 * (vectors are unit length, so a dot product), floored at 0 — as the decision endpoint computes it.
 */
export function classSimilarity(classVectors: ReadonlyMap<string, number[][]>, vector: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, examples] of classVectors) {
    out[name] = Math.max(0, ...examples.map((e) => e.reduce((s, x, i) => s + x * (vector[i] ?? 0), 0)));
  }
  return out;
}
