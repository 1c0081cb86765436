-- Similar-signature search: the HNSW graph over signature embeddings built with ef_construction 128
-- instead of pgvector's 64. A better-connected graph (same size, about twice the build time) lets a
-- query reach recall@10 0.95 with a shorter candidate list (hnsw.ef_search, db/pool.ts), which is
-- what keeps the search fast at a million signatures (bench/signatures/search-options.ts).
-- `medic reindex` rebuilds it the same way (src/signatures/search-index.ts). A large store builds
-- faster with a larger maintenance_work_mem (the graph is built in memory when it fits).
drop index if exists signatures_embedding_idx;
create index signatures_embedding_idx on signatures using hnsw (embedding halfvec_cosine_ops) with (m = 16, ef_construction = 128);
