import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { similarSignatures } from '../../src/incidents/read-sql.ts';
import { toVector } from '../../src/incidents/sql.ts';
import { hashingEmbedding } from '../../src/signatures/embedder.ts';
import { SIGNATURE_INDEX } from '../../src/signatures/search-index.ts';
import { testStores } from '../support/stores.ts';

const TEXTS = ['Connection to warehouse refused', 'Disk quota exceeded on bucket', 'Token expired for service account', 'Deadlock detected on table orders'];

for (const store of testStores()) {
  describe(`similar-signature search (${store.name})`, () => {
    it('has the migrated HNSW index with the chosen graph parameters', async () => {
      const db = await store.open();
      try {
        const r = await db.pool.query<{ def: string }>(`select indexdef as def from pg_indexes where indexname = $1`, [SIGNATURE_INDEX.name]);
        assert.match(r.rows[0]?.def ?? '', /hnsw \(embedding halfvec_cosine_ops\) WITH \(m='16', ef_construction='128'\)/);
      } finally {
        await db.close();
      }
    });

    it('finds the nearest signatures through the index, again and again on one connection', async () => {
      const db = await store.open();
      try {
        const now = new Date().toISOString();
        for (const [i, t] of TEXTS.entries()) {
          await db.pool.query(
            `insert into signatures (fingerprint, cluster_id, template, sample, embedding, first_seen_at, last_seen_at)
             values ($1, $1, $2, $2, $3::halfvec, $4, $4)`, [`f${i}`, t, toVector(hashingEmbedding(t, 256)), now]);
        }
        const client = await db.pool.connect();
        try {
          await client.query('set enable_seqscan = off'); // a few rows: make the planner take the index
          // More than five runs: the named statement's generic plan must keep the index scan too.
          for (let n = 0; n < 8; n++) {
            for (const t of TEXTS) {
              const [best] = await similarSignatures(client, hashingEmbedding(`${t} again`, 256), 2, 0.3);
              assert.equal(best?.template, t);
            }
          }
          const plan = await client.query<{ p: string }>(
            `explain select id from signatures where embedding is not null order by embedding <=> $1::halfvec limit 2`, [toVector(hashingEmbedding(TEXTS[0] ?? '', 256))]);
          assert.match(plan.rows.map((x) => Object.values(x)[0]).join('\n'), new RegExp(`Index Scan using ${SIGNATURE_INDEX.name}`));
        } finally {
          client.release();
        }
      } finally {
        await db.close();
      }
    });
  });
}
