import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { resolveServiceJobs } from '../../src/sla/lineage.ts';
import { ServiceDefinition } from '../../src/sla/schema.ts';
import { appForSuite, countRows } from '../support/app.ts';
import { sharedData } from '../support/deps.ts';
import { testStores } from '../support/stores.ts';

// A small close: Airflow extracts the ledger, loads it and publishes; a report renderer outside
// Airflow reads the warehouse and waits for publish. Its PDF feeds the next day's extract, which
// makes a loop that a service's closure must cut.
const LANDING = { namespace: 's3://landing', name: 'ledger.csv' };
const WAREHOUSE = { namespace: 'postgres://dw:5432', name: 'dw.ledger' };
const REPORT = { namespace: 's3://reports', name: 'close.pdf' };

interface Task { id: string; upstream: string[]; inputs: object[]; outputs: object[]; startMin: number; endMin: number }
const TASKS: Task[] = [
  { id: 'extract', upstream: [], inputs: [REPORT], outputs: [LANDING], startMin: 0, endMin: 20 },
  { id: 'load', upstream: ['extract'], inputs: [LANDING], outputs: [WAREHOUSE], startMin: 21, endMin: 50 },
  { id: 'publish', upstream: ['load'], inputs: [], outputs: [], startMin: 51, endMin: 55 },
];

const at = (day: number, min: number) => new Date(Date.UTC(2026, 10, day, 1, min)).toISOString();
const uuid = (day: number, i: number) => `00000000-0000-4000-8000-${String(day * 100 + i).padStart(12, '0')}`;

/** The Airflow provider's START and COMPLETE of each task of one day's DAG run. */
function airflowDay(day: number): object[] {
  return TASKS.flatMap((t, i) => (['START', 'COMPLETE'] as const).map((type) => ({
    eventType: type, eventTime: at(day, type === 'START' ? t.startMin : t.endMin),
    run: { runId: uuid(day, i), facets: { airflow: {
      dag: { dag_id: 'close' }, dagRun: { dag_id: 'close', run_id: `scheduled__${day}` }, taskInstance: { try_number: 1 },
      task: { task_id: t.id, upstream_task_ids: `[${t.upstream.map((u) => `'${u}'`).join(', ')}]` } } } },
    job: { namespace: 'airflow-prod', name: `close.${t.id}` },
    inputs: t.inputs, outputs: t.outputs,
  })));
}

/** The renderer's run in Medic's generic format. */
const renderDay = (day: number) => ({
  job: { namespace: 'reports', name: 'render' }, run: { id: `render-${day}` }, type: 'completed',
  time: at(day, 58), startedAt: at(day, 56), endedAt: at(day, 58),
  inputs: [WAREHOUSE], outputs: [REPORT], upstream: [{ namespace: 'airflow-prod', name: 'close.publish' }],
});

const SERVICE = `name: close-reports
title: Close reports rendered
terminal: [reports/render]
deadline: {kind: time, at: "06:00", timeZone: Europe/Berlin}
`;

interface EdgeRow { up: string; down: string; via: string; dataset: string | null; first: Date; last: Date }

for (const store of testStores()) {
  describe(`lineage learned from ingest (${store.name})`, () => {
    const suite = appForSuite(store);

    const ingestDay = async (day: number) => {
      const ol = await suite.app.inject({ method: 'POST', url: '/api/v1/lineage', payload: airflowDay(day) });
      assert.equal(ol.statusCode, 200, ol.body);
      const generic = await suite.app.inject({ method: 'POST', url: '/v1/events', payload: { source: 'generic', event: renderDay(day) } });
      assert.equal(generic.statusCode, 200, generic.body);
      return ol.json().accepted + generic.json().accepted;
    };
    const edges = async () => (await suite.db.pool.query<EdgeRow>(
      `select u.namespace || '/' || u.name as up, d.namespace || '/' || d.name as down, e.via, e.dataset,
              e.first_seen_at as first, e.last_seen_at as last
       from job_edges e join jobs u on u.id = e.upstream_job_id join jobs d on d.id = e.downstream_job_id
       order by down, up, via, dataset`)).rows;
    const datasetUses = async () => (await suite.db.pool.query(
      'select dataset, direction, job_id, first_seen_at, last_seen_at from job_datasets order by dataset, direction, job_id')).rows;

    it('learns edges from shared datasets and from declared upstream tasks, through the real ingest path', async () => {
      assert.equal(await ingestDay(2), 7);
      const found = (await edges()).map((e) => `${e.up} → ${e.down} (${e.via}${e.dataset ? ` ${e.dataset}` : ''})`);
      assert.deepEqual(found.sort(), [
        'airflow-prod/close.load → airflow-prod/close.publish (declared)',
        'reports/render → airflow-prod/close.extract (dataset s3://reports/close.pdf)',
        'airflow-prod/close.extract → airflow-prod/close.load (dataset s3://landing/ledger.csv)',
        'airflow-prod/close.extract → airflow-prod/close.load (declared)',
        'airflow-prod/close.load → reports/render (dataset postgres://dw:5432/dw.ledger)',
        'airflow-prod/close.publish → reports/render (declared)',
      ].sort());
    });

    it('stores nothing new when the same events come again', async () => {
      const [edgesBefore, usesBefore, jobsBefore] = [await edges(), await datasetUses(), await countRows(suite.db, 'jobs')];
      assert.equal(await ingestDay(2), 0);
      assert.deepEqual(await edges(), edgesBefore);
      assert.deepEqual(await datasetUses(), usesBefore);
      assert.equal(await countRows(suite.db, 'jobs'), jobsBefore);
    });

    it('moves an edge\'s last sighting when the next day runs, without a second edge', async () => {
      const before = await edges();
      assert.equal(await ingestDay(3), 7);
      const later = await edges();
      assert.equal(later.length, before.length);
      const declared = later.find((e) => e.up === 'airflow-prod/close.extract' && e.via === 'declared');
      assert.equal(declared?.first.toISOString(), at(2, 21));
      assert.equal(declared?.last.toISOString(), at(3, 50));
    });

    it('moves an edge\'s first sighting back when older history is replayed', async () => {
      assert.equal(await ingestDay(1), 7);
      const declared = (await edges()).find((e) => e.up === 'airflow-prod/close.extract' && e.via === 'declared');
      assert.deepEqual([declared?.first.toISOString(), declared?.last.toISOString()], [at(1, 21), at(3, 50)]);
    });

    it('resolves a service defined by its terminal job to the jobs upstream of it, cutting the loop', async () => {
      const applied = await suite.app.inject({ method: 'POST', url: '/v1/services', payload: SERVICE, headers: { 'content-type': 'application/yaml' } });
      assert.equal(applied.statusCode, 200, applied.body);
      const res = await suite.app.inject('/v1/services/close-reports');
      assert.equal(res.statusCode, 200, res.body);
      const { resolved } = res.json();
      assert.deepEqual(resolved.jobs, [
        { job: 'airflow-prod/close.extract', after: [] },
        { job: 'airflow-prod/close.load', after: ['airflow-prod/close.extract'] },
        { job: 'airflow-prod/close.publish', after: ['airflow-prod/close.load'] },
        { job: 'reports/render', after: ['airflow-prod/close.load', 'airflow-prod/close.publish'] },
      ]);
      assert.deepEqual(resolved.learned.dropped.map((d: { upstream: string; downstream: string; cycle: string[] }) => [d.upstream, d.downstream, d.cycle]), [
        ['reports/render', 'airflow-prod/close.extract',
          ['airflow-prod/close.extract', 'airflow-prod/close.load', 'reports/render', 'airflow-prod/close.extract']],
      ]);
      const load = resolved.learned.edges.find((e: { upstream: string; downstream: string }) => e.upstream === 'airflow-prod/close.extract');
      assert.deepEqual(load.origins.map((o: { kind: string; dataset?: string }) => o.dataset ?? o.kind).sort(), ['declared', 's3://landing/ledger.csv']);
      assert.deepEqual(resolved.learned.unknownTerminals, []);
    });

    it('gives the declared jobs back unchanged for a service that lists them', async () => {
      const def = ServiceDefinition.parse({
        name: 'listed', deadline: { kind: 'duration', minutes: 60 },
        jobs: [{ job: 'airflow-prod/close.publish' }, { job: 'reports/render', after: ['airflow-prod/close.publish'] }],
      });
      const resolved = await resolveServiceJobs(suite.db.pool, def);
      assert.equal(resolved.jobs, def.jobs);
      assert.deepEqual(resolved.learned.jobs, []);
    });

    it('bounds the closure by depth and says where it stopped', async () => {
      const def = ServiceDefinition.parse({ name: 'shallow', terminal: ['reports/render'], deadline: { kind: 'duration', minutes: 60 } });
      const resolved = await resolveServiceJobs(suite.db.pool, def, { maxDepth: 1 });
      assert.deepEqual(resolved.jobs.map((j) => j.job), ['airflow-prod/close.load', 'airflow-prod/close.publish', 'reports/render']);
      assert.deepEqual(resolved.learned.truncated, { reason: 'depth', limit: 1, jobs: ['airflow-prod/close.load'] });
    });

    it('shows what a job waits for, what waits for it and the datasets it reads and writes', async () => {
      const jobs = (await suite.app.inject('/v1/jobs?namespace=airflow-prod')).json().jobs as { id: number; name: string }[];
      const load = jobs.find((j) => j.name === 'close.load');
      assert.ok(load);
      const res = await suite.app.inject(`/v1/jobs/${load.id}/lineage`);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.deepEqual(body.upstream.map((e: { job: { name: string }; via: string }) => `${e.job.name} ${e.via}`), ['close.extract dataset', 'close.extract declared']);
      assert.deepEqual(body.downstream.map((e: { job: { name: string }; via: string }) => `${e.job.name} ${e.via}`), ['close.publish declared', 'render dataset']);
      assert.deepEqual(body.inputs.map((d: { dataset: string }) => d.dataset), ['s3://landing/ledger.csv']);
      assert.deepEqual(body.outputs.map((d: { dataset: string }) => d.dataset), ['postgres://dw:5432/dw.ledger']);
      assert.equal((await suite.app.inject('/v1/jobs/999999/lineage')).statusCode, 404);
    });

    it('resolves the Marquez food-delivery example to the jobs upstream of email_discounts', async () => {
      // The example is a template; its times are filled in here, in memory.
      const text = readFileSync(sharedData('formats', 'openlineage', 'examples', 'marquez', 'docker_metadata.template.json'), 'utf8')
        .replaceAll('{{RUN_START_TIME}}', '2026-11-02T22:00:00Z')
        .replace(/\{\{RUN_END_TIME_AFTER_(\d+)_MINUTES\}\}/g, (_, m: string) => `2026-11-02T22:${m.padStart(2, '0')}:00Z`);
      const res = await suite.app.inject({ method: 'POST', url: '/api/v1/lineage', payload: JSON.parse(text) as object[] });
      assert.equal(res.json().rejected, 0, res.body);
      const def = ServiceDefinition.parse({ name: 'discounts', terminal: ['food_delivery/email_discounts'], deadline: { kind: 'duration', minutes: 60 } });
      const resolved = await resolveServiceJobs(suite.db.pool, def);
      assert.deepEqual(resolved.jobs.map((j) => j.job.replace('food_delivery/', '')).sort(), [
        'delivery_times_7_days', 'email_discounts', 'etl_categories', 'etl_customers', 'etl_delivery_7_days', 'etl_drivers',
        'etl_menu_items', 'etl_menus', 'etl_order_status', 'etl_orders', 'etl_orders_7_days', 'etl_restaurants',
      ]);
      const email = resolved.jobs.find((j) => j.job === 'food_delivery/email_discounts');
      assert.deepEqual(email?.after, ['food_delivery/delivery_times_7_days', 'food_delivery/etl_customers']);
      assert.deepEqual(resolved.learned.jobs.find((j) => j.job === 'food_delivery/etl_menus')?.depth, 4);
      assert.deepEqual(resolved.learned.dropped, []);
    });

    it('learns an Argo workflow\'s step order from its status nodes', async () => {
      const workflow = JSON.parse(readFileSync(sharedData('formats', 'argo', 'failed-dag-workflow-with-retries.json'), 'utf8')) as object;
      const res = await suite.app.inject({ method: 'POST', url: '/v1/events', payload: { source: 'argo', event: workflow } });
      assert.equal(res.statusCode, 200, res.body);
      const argo = (await edges()).filter((e) => e.down.startsWith('default/')).map((e) => `${e.up.split('.')[1]} → ${e.down.split('.')[1]}`);
      assert.deepEqual(argo.sort(), ['A → B', 'A → C', 'B → D', 'D → E']);
    });
  });
}
