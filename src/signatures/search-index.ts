/**
 * The HNSW graph over signature embeddings that similar-signature search walks: created by
 * migrations/021_signature_graph.sql, rebuilt by `medic reindex`. Cosine over halfvec (16-bit
 * floats: half the index of `vector`, the same neighbours). ef_construction 128 instead of
 * pgvector's 64 builds a better-connected graph (about twice the build time, the same size), so a
 * query reaches recall@10 0.95 with a shorter candidate list (`EF_SEARCH` in db/pool.ts):
 * `bench/signatures/search-options.ts` measured the options at 1M signatures.
 */
export const SIGNATURE_INDEX = {
  name: 'signatures_embedding_idx',
  using: 'hnsw (embedding halfvec_cosine_ops)',
  with: 'm = 16, ef_construction = 128',
} as const;

/** The statement creating the index on `table`, as the migration spells it. */
export function signatureIndexSql(table = 'signatures'): string {
  return `create index ${SIGNATURE_INDEX.name} on ${table} using ${SIGNATURE_INDEX.using} with (${SIGNATURE_INDEX.with})`;
}
