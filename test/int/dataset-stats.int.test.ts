import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appForSuite } from '../support/app.ts';
import { testStores } from '../support/stores.ts';
import { at, LEDGER_NAME, loadTry, reconcileDay, usualRows } from '../support/warehouse.ts';

interface StatRow { dataset: string; job: string; run_key: string; row_count: number | null; bytes: number | null; observed_at: Date; version: string }

for (const store of testStores()) {
  describe(`dataset sizes from ingest (${store.name})`, () => {
    const suite = appForSuite(store);

    const post = async (url: string, payload: object) => {
      const res = await suite.app.inject({ method: 'POST', url, payload });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { accepted: number; duplicate: number };
    };
    // xmin changes whenever a row is rewritten: the same rows with the same xmin were not touched.
    const stats = async () => (await suite.db.pool.query<StatRow>(
      `select s.dataset, j.name as job, s.run_key, s.row_count, s.bytes, s.observed_at, s.xmin::text as version
       from dataset_stats s join jobs j on j.id = s.job_id order by s.dataset, s.run_key`)).rows;

    it('keeps each load\'s rows and bytes under its run, observed when the load ended', async () => {
      for (const day of [1, 2, 3]) await post('/api/v1/lineage', loadTry(day, { rows: usualRows(day) }));
      const rows = (await stats()).filter((r) => r.dataset === LEDGER_NAME);
      assert.deepEqual(rows.map((r) => [r.job, r.run_key, r.row_count, r.bytes, r.observed_at.toISOString()]),
        [1, 2, 3].map((day) => ['load', `scheduled__${day}`, usualRows(day), usualRows(day) * 240, at(day, 1, 40)]));
    });

    it('writes nothing when a day is delivered again', async () => {
      const before = await stats();
      const again = await post('/api/v1/lineage', [...loadTry(2, { rows: usualRows(2) }), ...loadTry(3, { rows: usualRows(3) })]);
      assert.equal(again.accepted, 0);
      assert.deepEqual(await stats(), before);
    });

    it('keeps the later size of a run, whichever of its events comes first', async () => {
      const partial = loadTry(4, { failed: true, rows: 310_000 });
      const retry = loadTry(4, { tryNumber: 2, start: at(4, 2), end: at(4, 2, 40), rows: usualRows(4) });
      await post('/api/v1/lineage', retry);
      await post('/api/v1/lineage', partial);
      const day4 = (await stats()).filter((r) => r.run_key === 'scheduled__4');
      assert.deepEqual(day4.map((r) => [r.row_count, r.observed_at.toISOString()]), [[usualRows(4), at(4, 2, 40)]]);
    });

    it('takes sizes from generic events under their run key, and stores none for events without them', async () => {
      const count = async () => (await stats()).length;
      const before = await count();
      await post('/v1/events', { source: 'generic', events: reconcileDay(1).map((e) => ({ ...e, outputs: undefined })) });
      assert.equal(await count(), before);
      await post('/v1/events', { source: 'generic', events: reconcileDay(2) });
      const written = (await stats()).filter((r) => r.job === 'reconcile');
      assert.deepEqual(written.map((r) => [r.dataset, r.run_key, r.row_count, r.bytes]), [['warehouse/dw.reconciliation', 'reconcile-2', 1_200, null]]);
    });
  });
}
