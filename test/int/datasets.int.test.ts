import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { latestVersionsBefore, versionsWrittenBy, type DatasetRead, type DatasetVersion } from '../../src/datasets/sql.ts';
import { appForSuite } from '../support/app.ts';
import { testStores } from '../support/stores.ts';
import { at, LEDGER, LEDGER_NAME, loadTry, reconcileDay, usualMedian, usualRows } from '../support/warehouse.ts';

type Json<T> = Omit<T, 'observedAt'> & { observedAt: string };
interface DatasetBody {
  writers: { jobId: number; job: string }[];
  readers: { jobId: number; job: string }[];
  versions: Json<DatasetVersion>[];
  reads: Json<DatasetRead>[];
  nextBefore: string | null;
}

const RECONCILIATION = 'warehouse/dw.reconciliation';
const USUAL = usualMedian(1, 14);
/** Day 15's load wrote 40 % of the ledger's usual rows. */
const DAY15 = Math.round(USUAL * 0.4);
const url = (dataset: string, query = '') => `/v1/datasets/${encodeURIComponent(dataset)}${query}`;
/** Day 15's reconcile: it saw a 40 % ledger, and wrote 4,120 of the 10,300 rows it expected. */
const reconcile15 = () => reconcileDay(15).map((e, i) => ({
  ...e,
  inputs: [{ ...LEDGER, rowCount: 400_000, quality: { amount: { nullCount: 12, sum: 1.5e9 } } }],
  ...(i === 1 ? { outputs: [{ namespace: 'warehouse', name: 'dw.reconciliation', rowCount: 4_120, expectedRows: 10_300 }] } : {}),
}));

for (const store of testStores()) {
  describe(`dataset completeness and the datasets API (${store.name})`, () => {
    const suite = appForSuite(store);
    const post = async (path: string, payload: object) => {
      const res = await suite.app.inject({ method: 'POST', url: path, payload });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { accepted: number };
    };
    const get = async <T>(path: string, status = 200) => {
      const res = await suite.app.inject({ method: 'GET', url: path });
      assert.equal(res.statusCode, status, res.body);
      return res.json() as T;
    };

    it('judges each load against the loads before it: a 40 % day is suspect, with a sentence, and the next normal day is not', async () => {
      await post('/api/v1/lineage', Array.from({ length: 14 }, (_, i) => loadTry(i + 1, { rows: usualRows(i + 1) })).flat());
      await post('/api/v1/lineage', loadTry(15, { rows: DAY15 }));
      await post('/api/v1/lineage', loadTry(16, { rows: usualRows(16) }));
      const page = await get<DatasetBody>(url(LEDGER_NAME, '?limit=3'));
      assert.deepEqual(page.writers.map((w) => w.job), ['wh/load']);
      assert.deepEqual(page.versions.map((v) => [v.writer.job, v.writer.runKey, v.observedAt, v.suspect, v.assessment?.verdict]), [
        ['wh/load', 'scheduled__16', at(16, 1, 40), false, 'ok'],
        ['wh/load', 'scheduled__15', at(15, 1, 40), true, 'short'],
        ['wh/load', 'scheduled__14', at(14, 1, 40), false, 'ok'],
      ]);
      const n = (x: number) => x.toLocaleString('en-US');
      assert.equal(page.versions[1]?.assessment?.detail, `wrote ${n(DAY15)} rows, 40 % of the usual ${n(USUAL)} (median of the last 14 versions): looks partial`);
      const next = await get<DatasetBody>(url(LEDGER_NAME, `?limit=3&before=${page.nextBefore ?? ''}`));
      assert.deepEqual(next.versions.map((v) => v.writer.runKey), ['scheduled__13', 'scheduled__12', 'scheduled__11']);
      assert.match((await suite.app.inject('/metrics')).body, /medic_dataset_suspect_versions_total 1\n/);
    });

    it('takes a generic reader\'s input metrics and a writer\'s expected rows, and lists the suspect versions', async () => {
      await post('/v1/events', { source: 'generic', events: reconcile15() });
      const out = await get<DatasetBody>(url(RECONCILIATION));
      assert.deepEqual(out.versions.map((v) => [v.rowCount, v.expectedRows, v.suspect, v.assessment?.detail]), [[4_120, 10_300, true, 'wrote 4,120 of 10,300 expected rows (40 %)']]);
      const ledger = await get<DatasetBody>(url(LEDGER_NAME));
      assert.deepEqual(ledger.readers.map((r) => r.job), ['wh/reconcile']);
      assert.deepEqual(ledger.reads.map((r) => [r.observedAt, r.reader.job, r.reader.runKey, r.rowCount, r.bytes, r.quality]), [
        [at(15, 2, 20), 'wh/reconcile', 'reconcile-15', 400_000, null, { columnMetrics: { amount: { nullCount: 12, sum: 1.5e9 } } }]]);
      const suspect = await get<{ versions: Json<DatasetVersion>[] }>(`/v1/datasets?suspect=true&since=${at(10, 0)}`);
      assert.deepEqual(suspect.versions.map((v) => [v.dataset, v.writer.runKey]), [[RECONCILIATION, 'reconcile-15'], [LEDGER_NAME, 'scheduled__15']]);
    });

    it('gives a trace what runs wrote and the version a reader met', async () => {
      const jobId = (await get<DatasetBody>(url(LEDGER_NAME))).writers[0]?.jobId ?? 0;
      const written = await versionsWrittenBy(suite.db.pool, [{ jobId, runKey: 'scheduled__15' }, { jobId, runKey: 'scheduled__99' }]);
      assert.deepEqual(written.map((v) => [v.dataset, v.writer.runKey, v.suspect]), [[LEDGER_NAME, 'scheduled__15', true]]);
      const met = await latestVersionsBefore(suite.db.pool, [
        { dataset: LEDGER_NAME, before: new Date(at(15, 2)) }, { dataset: LEDGER_NAME, before: new Date(at(15, 1, 40)) }, { dataset: 'nowhere/x', before: new Date(at(15, 2)) }]);
      assert.deepEqual(met.map((v) => [v.before.toISOString(), v.writer.runKey]), [[at(15, 2), 'scheduled__15'], [at(15, 1, 40), 'scheduled__14']]);
    });

    it('answers 404 for a dataset never seen, and 400 naming the parameter for a bad query', async () => {
      const missing = await get<{ error: { message: string } }>(url('nowhere/nothing'), 404);
      assert.match(missing.error.message, /dataset "nowhere\/nothing" has never been seen/);
      const paths = async (query: string) => (await get<{ error: { details: { path: unknown[] }[] } }>(query, 400)).error.details.map((d) => d.path.join('.'));
      assert.deepEqual(await paths(url(LEDGER_NAME, '?limit=501')), ['querystring.limit']);
      assert.deepEqual(await paths('/v1/datasets?since=yesterday'), ['querystring.since']);
      assert.deepEqual(await paths('/v1/datasets?suspect=yes'), ['querystring.suspect']);
    });

    it('writes nothing when a batch is delivered again', async () => {
      // xmin changes whenever a row is rewritten: the same rows with the same xmin were not touched.
      const rows = async () => (await suite.db.pool.query(
        `select 'v' as t, dataset, run_key, xmin::text as version from dataset_stats
         union all select 'r', dataset, run_key, xmin::text from dataset_reads order by 1, 2, 3`)).rows;
      const before = await rows();
      assert.equal((await post('/api/v1/lineage', [...loadTry(15, { rows: DAY15 }), ...loadTry(16, { rows: usualRows(16) })])).accepted, 0);
      assert.equal((await post('/v1/events', { source: 'generic', events: reconcile15() })).accepted, 0);
      assert.deepEqual(await rows(), before);
    });
  });
}
