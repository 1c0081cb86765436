import { withTransaction, type Pool } from '../db/pool.ts';
import { toVector } from '../incidents/sql.ts';
import type { Embedder } from './embedder.ts';
import { signatureIndexSql } from './search-index.ts';

/** Whether stored vectors were made by this embedder. */
export type EmbedderCheck =
  | { kind: 'current' }
  | { kind: 'recorded-now' }
  | { kind: 'stale'; stored: string; storedDimensions: number; current: string };

/** Records the embedder on a new store; reports a change that needs `medic reindex`. */
export async function checkEmbedder(pool: Pool, embedder: Embedder): Promise<EmbedderCheck> {
  const r = await pool.query<{ embedder: string; dimensions: number }>('select embedder, dimensions from embedder_state');
  const row = r.rows[0];
  if (row) {
    return row.embedder === embedder.id && row.dimensions === embedder.dimensions
      ? { kind: 'current' }
      : { kind: 'stale', stored: row.embedder, storedDimensions: row.dimensions, current: embedder.id };
  }
  const dims = await columnDimensions(pool);
  if (dims !== embedder.dimensions) return { kind: 'stale', stored: `halfvec(${dims}) column`, storedDimensions: dims, current: embedder.id };
  await pool.query('insert into embedder_state (embedder, dimensions) values ($1, $2) on conflict do nothing', [embedder.id, embedder.dimensions]);
  return { kind: 'recorded-now' };
}

async function columnDimensions(pool: Pool): Promise<number> {
  const r = await pool.query<{ d: number }>(
    `select atttypmod as d from pg_attribute where attrelid = 'signatures'::regclass and attname = 'embedding'`);
  return r.rows[0]?.d ?? -1;
}

/**
 * Re-embeds every signature with `embedder`, changing the column's dimension and rebuilding the
 * HNSW index when needed, in one transaction: readers see the old vectors or the new, never a mix.
 */
export async function reindex(pool: Pool, embedder: Embedder, batch = 500): Promise<{ signatures: number }> {
  return withTransaction(pool, async (tx) => {
    await tx.query('drop index if exists signatures_embedding_idx');
    await tx.query(`alter table signatures alter column embedding type halfvec(${embedder.dimensions}) using null`);
    const rows = (await tx.query<{ id: number; text: string }>(
      `select id, concat_ws(' ', exception_type, template, top_frames->>0, top_frames->>1, top_frames->>2) as text
       from signatures order by id`)).rows;
    for (let i = 0; i < rows.length; i += batch) {
      const chunk = rows.slice(i, i + batch);
      const vectors = await embedder.embed(chunk.map((c) => c.text));
      await tx.query(
        `update signatures s set embedding = v.e::halfvec from unnest($1::bigint[], $2::text[]) as v(id, e) where s.id = v.id`,
        [chunk.map((c) => c.id), vectors.map((v) => toVector(v))],
      );
    }
    await tx.query(signatureIndexSql());
    await tx.query(
      `insert into embedder_state (embedder, dimensions) values ($1, $2)
       on conflict (singleton) do update set embedder = excluded.embedder, dimensions = excluded.dimensions, updated_at = now()`,
      [embedder.id, embedder.dimensions]);
    return { signatures: rows.length };
  });
}
