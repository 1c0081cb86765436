/**
 * What a decision needs to know about a failure when there is no store to ask: its signature,
 * derived the way production derives it, and its similarity to the named incident classes.
 * Policy test cases and the backtest use these, so that they match what the endpoint would see.
 */
import { createSignatureService, type DerivedSignature } from '../signatures/service.ts';
import type { SharedMiner } from '../signatures/shared-miner.ts';
import { createMiner } from '../signatures/template-miner.ts';

/**
 * A miner that has learnt nothing, like a store that has never seen the failure: `match` answers
 * as the shared miner does for an unseen line, the masked line standing as its own template.
 */
function freshMiner(): SharedMiner {
  const miner = createMiner();
  const unseen = (line: string) => {
    const t = createMiner().add(line).template;
    return { clusterId: `unseen:${t}`, template: t };
  };
  return {
    add: async (line) => {
      const r = miner.add(line);
      return { clusterId: String(r.clusterId), template: r.template };
    },
    match: async (line) => {
      const found = miner.match(line);
      return found ? { clusterId: String(found.clusterId), template: found.template } : unseen(line);
    },
  };
}

/** The signature of a failure Medic has not seen before, as the decision endpoint would derive it. */
export function offlineSignature(message: string, detail: string | null): Promise<DerivedSignature> {
  return createSignatureService(freshMiner()).match(message, detail);
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
