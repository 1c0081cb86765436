import type { Deps } from '../deps.ts';
import { summariseFixes, type Fix } from './evidence.ts';
import { resolutionStats, similarSignatures } from './read-sql.ts';

export interface MatchResult {
  signature: { template: string; exception_type: string | null; cluster_id: string; known: boolean };
  matches: { signature_id: number; template: string; similarity: number; occurrences: number; fixes: Fix[] }[];
  fixes: Fix[];
}

/** Text in, best matching signatures out, each with what fixed its incidents; learns nothing. */
export async function matchText(deps: Pick<Deps, 'pool' | 'signatures' | 'embedder'>, text: string, detail: string | null, k: number): Promise<MatchResult> {
  const sig = await deps.signatures.match(text, detail);
  const [embedding] = await deps.embedder.embed([sig.embeddingText]);
  const similar = embedding ? await similarSignatures(deps.pool, embedding, k, 0.5) : [];
  const stats = await resolutionStats(deps.pool, similar.map((s) => s.id));
  return {
    signature: { template: sig.template, exception_type: sig.exceptionType, cluster_id: sig.clusterId, known: !sig.clusterId.startsWith('unseen:') },
    matches: similar.map((s) => ({
      signature_id: s.id, template: s.template, similarity: Math.round(s.similarity * 1000) / 1000, occurrences: s.occurrences,
      fixes: summariseFixes(stats.filter((x) => x.signature_id === s.id)),
    })),
    fixes: summariseFixes(stats.filter((x) => similar.some((s) => s.id === x.signature_id && s.similarity >= 0.8))),
  };
}
