import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createFakeAirflow, type FakeAirflow } from '../../src/fakes/airflow.ts';
import { createInProcessQueue } from '../../src/queue/in-process.ts';
import { buildHandlers } from '../../src/handlers.ts';
import { scheduleSources } from '../../src/sources/jobs.ts';
import { testApp } from '../support/app.ts';
import { openCliStore, runMedic, type CliStore } from '../support/cli.ts';
import { testConfig, testDeps } from '../support/deps.ts';
import { exited, waitFor } from '../support/servers.ts';
import { testStores } from '../support/stores.ts';

const BIN = fileURLToPath(new URL('../../bin/medic.js', import.meta.url));
const PASSWORD = 'airflow-pw-7f3a9c1e-never-in-a-log';
const WRONG = 'wrong-pw-52be0d44-never-in-a-log';
const HISTORY = { dags: 8, days: 6, tasksPerDag: 6, retryShare: 0.1, failShare: 0.05, seed: 7 };

/** Two sources: the synthetic Airflow, and the same Airflow with a password it refuses. */
function sources(fake: FakeAirflow, pull: Record<string, unknown>) {
  const auth = (env: string) => ({ kind: 'password', username: 'admin', password: { env } });
  return JSON.stringify([
    { source: 'airflow-hist', kind: 'airflow', url: fake.url, api: 'v2', auth: auth('AF_PASSWORD'), pull },
    { source: 'airflow-refused', kind: 'airflow', url: fake.url, api: 'v2', auth: auth('AF_WRONG'), pull },
  ]);
}

// The commands and the test read one store at once: a PostgreSQL server (the embedded store belongs to one process).
const store = testStores().find((s) => s.name === 'postgres');

describe('medic sync against an Airflow (postgres)', { skip: store ? false : 'needs DATABASE_URL: the embedded store belongs to one process' }, () => {
  let fake: FakeAirflow;
  let cli: CliStore;
  let env: Record<string, string>;
  const output: string[] = [];
  const count = async (sql: string) => (await cli.db.pool.query<{ n: number }>(sql)).rows[0]?.n ?? -1;
  const stored = () => Promise.all([count('select count(*)::int as n from runs'), count('select count(*)::int as n from run_attempts')]);

  before(async () => {
    fake = await createFakeAirflow({ api: 'v2', password: PASSWORD, history: HISTORY });
    cli = await openCliStore(store!);
    env = {
      ...cli.env, AF_PASSWORD: PASSWORD, AF_WRONG: WRONG, LOG_LEVEL: 'debug', MEDIC_HEAL: 'off',
      MEDIC_SOURCES: sources(fake, { since: '8d', page_size: 50, rate_per_s: 200, concurrency: 2 }),
    };
  });
  after(async () => {
    await fake.close();
    await cli.close();
  });

  it('resumes a sync killed mid-way with nothing lost and nothing stored twice, and stops only the source whose credentials are refused', async () => {
    // Slow enough to be killed part-way: ten calls a second.
    const slow = sources(fake, { since: '8d', page_size: 50, rate_per_s: 10, concurrency: 1 });
    const child = spawn(process.execPath, [BIN, 'sync', 'airflow-hist'], { env: { ...process.env, DATABASE_URL: '', ...env, MEDIC_SOURCES: slow } });
    let text = '';
    child.stdout.on('data', (b: Buffer) => { text += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { text += b.toString(); });
    await waitFor('some pages stored', async () => ((await count('select count(*)::int as n from runs')) >= 50 ? true : undefined), 60_000);
    child.kill('SIGKILL');
    await exited(child);
    output.push(text);
    const [runsAtKill] = await stored();
    const expected = fake.history!.size;
    assert.ok(runsAtKill > 0 && runsAtKill < expected.dagRuns + expected.taskInstances, `killed part-way (${runsAtKill} runs stored)`);

    const resumed = await runMedic(['sync', '--json'], env);
    output.push(resumed.stdout, resumed.stderr);
    assert.equal(resumed.code, 1, 'a source failed, so the command fails');
    const outcomes = (JSON.parse(resumed.stdout) as { sources: { source: string; kind: string; fatal?: boolean; detail?: string; duplicates?: number }[] }).sources;
    const hist = outcomes.find((o) => o.source === 'airflow-hist');
    const refused = outcomes.find((o) => o.source === 'airflow-refused');
    assert.equal(hist?.kind, 'done', resumed.stderr);
    assert.deepEqual([refused?.kind, refused?.fatal], ['failed', true]);
    assert.match(refused?.detail ?? '', /401|Invalid credentials/);

    // Every DAG run and task instance of the history, once; every try of a task instance an attempt.
    const [runs, attempts] = await stored();
    assert.equal(runs, expected.dagRuns + expected.taskInstances);
    assert.ok(attempts > expected.taskInstances, 'earlier tries were pulled too');
    const again = await runMedic(['sync', 'airflow-hist', '--restart', '--json'], env);
    output.push(again.stdout, again.stderr);
    const repeat = (JSON.parse(again.stdout) as { sources: { kind: string; accepted: number; items: number }[] }).sources[0];
    assert.deepEqual([repeat?.kind, repeat?.accepted], ['done', 0], 'a second pass over the same history stores nothing new');
    assert.ok((repeat?.items ?? 0) >= expected.taskInstances);
    assert.deepEqual(await stored(), [runs, attempts]);
  });

  it('reports health on GET /v1/sources and `medic sources`, and no credential appears in logs, errors, health or the audit log', async () => {
    const { app, deps } = await testApp(cli.db, testConfig({ ...env, LOG_LEVEL: 'silent', MEDIC_ADMIN_TOKEN: 'admin-token-0123456789abcdef' }));
    try {
      const res = await app.inject({ url: '/v1/sources', headers: { authorization: 'Bearer admin-token-0123456789abcdef' } });
      assert.equal(res.statusCode, 200);
      const body = res.json() as { sources: { source: string; status: string; lag_s: number | null; last_error: string | null; items_pulled: number }[] };
      const hist = body.sources.find((s) => s.source === 'airflow-hist');
      const refused = body.sources.find((s) => s.source === 'airflow-refused');
      assert.equal(hist?.status, 'ok');
      assert.ok(hist?.lag_s !== null && (hist?.items_pulled ?? 0) > 0);
      assert.equal(refused?.status, 'stopped');
      assert.match(refused?.last_error ?? '', /auth\/token/);
      const one = await app.inject({ url: '/v1/sources/airflow-refused?errors=5', headers: { authorization: 'Bearer admin-token-0123456789abcdef' } });
      assert.equal((one.json() as { recent_errors: { kind: string }[] }).recent_errors[0]?.kind, 'failed');
      assert.equal((await app.inject({ url: '/v1/sources/nope', headers: { authorization: 'Bearer admin-token-0123456789abcdef' } })).statusCode, 404);
      output.push(res.body, one.body);
    } finally {
      await app.close();
      await deps.queue.close();
    }
    const listed = await runMedic(['sources', '--errors', '3'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /airflow-hist\s+airflow\s+ok/);
    assert.match(listed.stdout, /airflow-refused\s+airflow\s+stopped/);
    output.push(listed.stdout, listed.stderr);
    for (const table of ['source_state', 'source_errors', 'audit_log', 'decisions']) {
      const rows = await cli.db.pool.query(`select * from ${table}`);
      output.push(JSON.stringify(rows.rows));
    }
    const all = output.join('\n');
    assert.ok(all.length > 1_000, 'there was output to search');
    for (const secret of [PASSWORD, WRONG]) assert.ok(!all.includes(secret), 'a password appears in the output or the store');
  });
});

describe('continuous sync in the worker', () => {
  it('polls each source on its interval and picks up a run that finished since', async () => {
    const fake = await createFakeAirflow({ api: 'v1' });
    const db = await testStores()[0]!.open();
    const config = testConfig({
      AF: 'admin', MEDIC_HEAL: 'off',
      MEDIC_SOURCES: JSON.stringify([{ source: 'airflow-live', kind: 'airflow', url: fake.url, api: 'v1', auth: { kind: 'basic', username: 'admin', password: { env: 'AF' } }, pull: { interval_s: 1, since: '1d' } }]),
    });
    const deps = testDeps(db, { config, queue: createInProcessQueue() });
    try {
      const at = (min: number) => new Date(Date.now() - min * 60_000).toISOString();
      fake.state.addTaskInstance({ dag_id: 'etl', dag_run_id: 'r1', task_id: 'load', state: 'running', try_number: 1, start_date: at(5) });
      deps.queue.startWorkers(buildHandlers(deps), { concurrency: 2 });
      await scheduleSources(deps);
      const stateOf = async () => (await db.pool.query<{ state: string }>("select r.state from runs r join jobs j on j.id = r.job_id where j.name = 'etl.load'")).rows[0]?.state;
      await waitFor('the running task instance', async () => ((await stateOf()) === 'running' ? true : undefined), 15_000);
      fake.state.update(fake.state.taskInstance('etl', 'r1', 'load')!, { state: 'success', end_date: at(0) });
      await waitFor('the task instance, finished', async () => ((await stateOf()) === 'completed' ? true : undefined), 15_000);
    } finally {
      await deps.queue.close();
      await deps.decisionLog.close();
      await db.close();
      await fake.close();
    }
  });
});
