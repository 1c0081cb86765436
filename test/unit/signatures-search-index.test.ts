import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readMigrations } from '../../src/db/migrate.ts';
import { MIGRATIONS_DIR } from '../../src/runtime.ts';
import { signatureIndexSql } from '../../src/signatures/search-index.ts';

describe('the signatures HNSW index', () => {
  it('is built by `medic reindex` as the latest migration that creates it', async () => {
    const creating = (await readMigrations(MIGRATIONS_DIR)).filter((m) => /create index signatures_embedding_idx/.test(m.sql));
    const latest = creating.at(-1);
    assert.ok(latest, 'a migration creates signatures_embedding_idx');
    assert.ok(latest.sql.includes(`${signatureIndexSql()};`), `${latest.name} creates ${signatureIndexSql()}`);
  });
});
