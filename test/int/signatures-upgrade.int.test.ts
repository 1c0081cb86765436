import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Deps } from '../../src/deps.ts';
import { buildHandlers } from '../../src/handlers.ts';
import { ingest } from '../../src/ingest/ingest.ts';
import { signatureIdFor, upsertSignature } from '../../src/incidents/sql.ts';
import { upgradeSignatures } from '../../src/incidents/upgrade-signatures.ts';
import { createSignatureService, fingerprintOf } from '../../src/signatures/service.ts';
import { createSharedMiner } from '../../src/signatures/shared-miner.ts';
import { testDeps } from '../support/deps.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

const at = (m: number) => new Date(Date.UTC(2026, 10, 2, 1, 0) + m * 60_000).toISOString();

function failedRun(key: string, minute: number, message: string): unknown[] {
  const base = { job: { namespace: 'etl', name: 'load_dw' }, run: { id: `load_dw-${key}`, key, attempt: 1 } };
  return [
    { ...base, type: 'started', time: at(minute), startedAt: at(minute) },
    { ...base, type: 'failed', time: at(minute + 2), endedAt: at(minute + 2), error: { message } },
  ];
}

for (const store of testStores()) {
  describe(`signatures across a change of miner (${store.name})`, () => {
    let db: TestDatabase;
    const opened: Deps[] = [];
    const process = () => {
      const deps = testDeps(db);
      deps.queue.startWorkers(buildHandlers(deps), { concurrency: 1 });
      opened.push(deps);
      return deps;
    };
    const post = async (deps: Deps, events: unknown[]) => {
      await ingest(deps, { orchestrator: 'generic', timeZone: 'UTC', items: events, receivedAt: new Date() });
      await deps.queue.drain(20_000);
    };
    before(async () => {
      db = await store.open();
    });
    after(async () => {
      for (const deps of opened) await deps.queue.close();
      await db.close();
    });

    it('keeps an incident on its signature when a store written by the first miner is carried over', async () => {
      const first = process();
      await post(first, failedRun('d1', 0, 'Connection to warehouse 10.0.4.17:5432 refused after 3 retries (session 8812)'));
      const before = (await db.pool.query<{ id: number }>('select id from signatures')).rows;
      assert.equal(before.length, 1);
      // What a first miner left: a first-version state whose cluster cut `host:port` into three
      // tokens, and a signature whose fingerprint holds that cluster's id.
      await db.pool.query('update miner_state set version = 1, state = $1', [JSON.stringify({
        version: 1, nextId: 7,
        clusters: [{ id: 6, tokens: 'Connection to warehouse <*> : <*> refused after <*> retries (session <*>)'.split(' '), size: 1, lastUsed: 1 }],
      })]);
      await db.pool.query('update signatures set cluster_id = $1, fingerprint = $2', ['6', fingerprintOf(null, '6', undefined)]);
      const second = 'Connection to warehouse 10.0.9.2:5432 refused after 5 retries (session 9120)';
      const unmapped = await createSignatureService(createSharedMiner(db.pool)).match(second, null);
      assert.equal(await signatureIdFor(db.pool, unmapped.fingerprint, unmapped.aliasFingerprints), null, 'without the upgrade the failure would start a new signature');

      assert.deepEqual(await upgradeSignatures(db.pool), { kind: 'upgraded', signatures: 1, keys: 1 });
      assert.deepEqual(await upgradeSignatures(db.pool), { kind: 'current' }, 'runs once');
      const state = (await db.pool.query<{ state: { version: number; nextId: number } }>('select state from miner_state')).rows[0]?.state;
      assert.equal(state?.version, 2);
      assert.ok((state?.nextId ?? 0) > 7, 'new ids come after the old ones');

      const next = process();
      await post(next, failedRun('d2', 60, second));
      const after = await db.pool.query<{ id: number; occurrences: number; fingerprint: string }>('select id, occurrences, fingerprint from signatures');
      assert.equal(after.rows.length, 1, 'no second signature');
      assert.equal(after.rows[0]?.id, before[0]?.id);
      assert.equal(after.rows[0]?.occurrences, 2);
      assert.equal(after.rows[0]?.fingerprint, fingerprintOf(null, '6', undefined), 'the stored fingerprint is not altered');
      const incidents = await db.pool.query<{ n: number }>('select count(*)::int as n from incident_runs ir join incidents i on i.id = ir.incident_id where i.signature_id = $1', [before[0]?.id]);
      assert.equal(incidents.rows[0]?.n, 2);
    });

    it('finds a signature through the fingerprint of an id the miner merged, and keeps the new one as its key', async () => {
      const base = { clusterId: '41', template: 'quota exceeded for <*>', exceptionType: null, language: null, topFrames: [], sample: 'quota exceeded for a', embedding: Array.from({ length: 256 }, (_, i) => (i === 0 ? 1 : 0)), seenAt: new Date(at(0)) };
      const old = await upsertSignature(db.pool, { ...base, fingerprint: 'fp-merged-41', aliasFingerprints: [] });
      const again = await upsertSignature(db.pool, { ...base, clusterId: '40', fingerprint: 'fp-root-40', aliasFingerprints: ['fp-merged-41'], seenAt: new Date(at(5)) });
      assert.equal(again, old);
      assert.equal(await signatureIdFor(db.pool, 'fp-root-40', []), old, 'the new fingerprint answers without the alias from now on');
      assert.equal(await signatureIdFor(db.pool, 'fp-unknown', []), null);
      const row = (await db.pool.query<{ occurrences: number }>('select occurrences from signatures where id = $1', [old])).rows[0];
      assert.equal(row?.occurrences, 2);
    });
  });
}
