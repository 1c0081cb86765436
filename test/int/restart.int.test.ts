import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { MIGRATIONS_DIR, openRuntime } from '../../src/runtime.ts';
import { testConfig } from '../support/deps.ts';
import { testStores } from '../support/stores.ts';

/** Configurations of a store that outlives a process: a folder for PGlite, a server database. */
async function durableStores(): Promise<{ name: string; env: Record<string, string>; cleanup: () => Promise<void> }[]> {
  const dir = await mkdtemp(join(tmpdir(), 'medic-restart-'));
  const out: { name: string; env: Record<string, string>; cleanup: () => Promise<void> }[] = [{ name: 'embedded', env: { MEDIC_DATA_DIR: dir }, cleanup: () => rm(dir, { recursive: true, force: true }) }];
  const server = testStores().find((s) => s.name === 'postgres');
  if (server) {
    const db = await server.open();
    out.push({ name: 'postgres', env: { DATABASE_URL: db.url ?? '' }, cleanup: () => db.close() });
  }
  return out;
}

describe('a restart', () => {
  it('keeps cluster ids, applies no migration twice, and refuses a second process on one embedded folder', async () => {
    for (const store of await durableStores()) {
      try {
        const config = testConfig(store.env);
        const first = await openRuntime(config);
        const a = await first.deps.signatures.derive('Connection to warehouse 10.0.0.4:5432 refused', null);
        const b = await first.deps.signatures.derive('Disk /data is 97% full', null);
        if (store.name === 'embedded') await assert.rejects(openRuntime(config), /in use by another medic process/);
        await first.close();

        const second = await openRuntime(config);
        const again = await migrate(second.deps.pool, await readMigrations(MIGRATIONS_DIR));
        assert.deepEqual(again.applied, [], store.name);
        const a2 = await second.deps.signatures.derive('Connection to warehouse 10.9.9.9:5432 refused', null);
        const b2 = await second.deps.signatures.derive('Disk /var is 99% full', null);
        assert.equal(a2.clusterId, a.clusterId, store.name);
        assert.equal(b2.clusterId, b.clusterId, store.name);
        assert.equal(a2.fingerprint, a.fingerprint, store.name);
        const c = await second.deps.signatures.derive('certificate for api.example.com expired', null);
        assert.ok(![a.clusterId, b.clusterId].includes(c.clusterId));
        await second.close();
      } finally {
        await store.cleanup();
      }
    }
  });
});
