-- pgvector: failure signatures are embedded and searched by cosine similarity.
create extension if not exists vector;
