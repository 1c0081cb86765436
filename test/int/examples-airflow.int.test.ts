/**
 * The Airflow example (examples/airflow) against a real Medic listening on a port: its Python
 * tests run the callback and the listener with fake Airflow contexts, and every decision they
 * asked for is in Medic's log.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { listeningMedicForSuite } from '../support/listening.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const DECIDE_TOKEN = 'airflow-example-decide-0123456789';
const READ_TOKEN = 'airflow-example-read-0123456789';

/** What examples/airflow/test_medic_callback.py expects Medic to answer, job by job. */
const POLICIES = `
policies:
  - id: example-extract-retry
    description: The example DAG's extract retries after a second.
    priority: 100
    match: { jobs: ["airflow-example/medic_example.extract"] }
    action: { kind: retry, delay_s: 1, max_attempts: 3 }
  - id: example-load-notify
    description: The example DAG's load goes to people.
    priority: 100
    match: { jobs: ["airflow-example/medic_example.load"] }
    action: { kind: notify, severity: warning }
  - id: example-publish-hold
    description: When publishing fails, nothing after it runs.
    priority: 100
    match: { jobs: ["airflow-example/medic_example.publish"] }
    action: { kind: hold_downstream, reason: publishing failed }
  - id: example-reconcile-rerun
    description: A failed reconcile is rerun with the data on-call's approval.
    priority: 100
    match: { jobs: ["airflow-example/medic_example.reconcile"] }
    action: { kind: rerun, include_downstream: true }
    approval: { kind: one_of, groups: [data-oncall] }
`;

const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
const skip = python.error ? `python3 is not installed (${python.error.message}): the Airflow example's tests need it` : false;

/** Runs a command to its end without blocking the event loop: the Medic it talks to is in this process. */
function run(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe('the Airflow example against a real Medic', { skip }, () => {
  const medic = listeningMedicForSuite([
    { name: 'airflow-example', token: DECIDE_TOKEN, scopes: ['decide'] },
    { name: 'reader', token: READ_TOKEN, scopes: ['read'] },
  ], POLICIES);

  const decisions = async (job: string): Promise<{ action: string; requires_approval: boolean }[]> => {
    const res = await medic.app.inject({ url: `/v1/decisions?job=${encodeURIComponent(job)}`, headers: { authorization: `Bearer ${READ_TOKEN}` } });
    assert.equal(res.statusCode, 200, res.body);
    return res.json().decisions;
  };

  it('passes the callback\'s own tests, and Medic logged each decision they acted on', async () => {
    const { code, output } = await run('python3', ['-m', 'unittest', '-v', 'examples/airflow/test_medic_callback.py'], {
      MEDIC_URL: medic.url, MEDIC_TOKEN: DECIDE_TOKEN, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost', PYTHONDONTWRITEBYTECODE: '1',
    });
    assert.equal(code, 0, output);
    assert.doesNotMatch(output, /skipped/i, output);

    const extract = await decisions('airflow-example/medic_example.extract');
    assert.ok(extract.length >= 2 && extract.every((d) => d.action === 'retry'), JSON.stringify(extract));
    const load = await decisions('airflow-example/medic_example.load');
    assert.ok(load.length >= 2 && load.every((d) => d.action === 'notify'), JSON.stringify(load));
    const publish = await decisions('airflow-example/medic_example.publish');
    assert.ok(publish.length >= 2 && publish.every((d) => d.action === 'hold_downstream'), JSON.stringify(publish));
    const reconcile = await decisions('airflow-example/medic_example.reconcile');
    assert.deepEqual(reconcile.map((d) => [d.action, d.requires_approval]), [['rerun', true]]);
  });
});
