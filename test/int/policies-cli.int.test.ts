import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliStoreForSuite, runMedic } from '../support/cli.ts';
import { testStores } from '../support/stores.ts';

const medic = runMedic;

describe('medic policies', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'medic-policies-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('checks the shipped policies and their cases, and prints the revision and counts', async () => {
    const r = await medic(['policies', 'check']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /valid, revision [0-9a-f]{12}\n {2}10 policies \(9 on failure, 1 on preflight, 1 in shadow mode\), 2 incident classes in 4 files\n {2}\d+ test cases in 1 file/);
  });

  it('prints each fault of a folder as file:line:column path: message and exits 1', async () => {
    await writeFile(join(dir, 'bad.yaml'), 'policies:\n  - id: wipe\n    description: d\n    action: {kind: skip}\n  - {id: slow, description: d, action: {kind: retry, delay_s: -1}}\n');
    const r = await medic(['policies', 'check', dir]);
    assert.equal(r.code, 1);
    assert.deepEqual(r.stderr.trim().split('\n').map((l) => l.replace(dir, 'DIR')), [
      'DIR/bad.yaml:2:5 policies.0.approval: a skip action changes data or commitments and must be gated: give an approval other than none',
      'DIR/bad.yaml:5:63 policies.1.action.delay_s: Too small: expected number to be >=0',
    ]);
  });

  it('runs the shipped cases, one line each, and exits 1 when one fails', async () => {
    const ok = await medic(['policies', 'test']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /✓ retries a refused connection after a minute\n/);
    assert.match(ok.stdout, /all \d+ cases passed/);
    await writeFile(join(dir, 'bad.yaml'), 'policies:\n  - {id: people, description: d, action: {kind: notify}}\n');
    await writeFile(join(dir, 'bad.test.yaml'), 'cases:\n  - name: retries\n    input: {kind: failure, job: a/b, error: {message: x}}\n    expect: {action: retry}\n');
    const failed = await medic(['policies', 'test', dir]);
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /✗ retries\n {6}action: expected retry, decided notify\n/);
    assert.match(failed.stdout, /1 of 1 cases failed/);
  });

  it('lists the loaded policies, and prints the JSON Schema of a policy file', async () => {
    const list = await medic(['policies'], { MEDIC_POLICIES_DIR: dir });
    assert.match(list.stdout, /priority\s+id\s+on\s+mode\s+action\s+approval\n[- ]+\n0\s+people\s+failure\s+enforce\s+notify\s+none/);
    const schema = await medic(['policies', 'schema']);
    assert.equal(JSON.parse(schema.stdout).title, 'Medic policy file');
  });
});

for (const store of testStores()) {
  describe(`medic decide and medic policies backtest (${store.name})`, () => {
    const cli = cliStoreForSuite(store);

    it('decides a failure read from stdin through the decision path, and logs it', async () => {
      const { db, env } = cli;
      const input = { input: { kind: 'failure', job: 'airflow-prod/finance_close.extract_bank', error: { message: 'could not connect to server: Connection refused' } } };
      const r = await medic(['decide', '-'], env, JSON.stringify(input));
      assert.equal(r.code, 0, r.stderr);
      const answer = JSON.parse(r.stdout);
      assert.equal(answer.result.action, 'retry');
      assert.equal(answer.result.policy_id, 'network-transient-retry');
      if (db.url) assert.equal((await db.pool.query('select action from decisions where id = $1', [answer.decision_id])).rows[0]?.action, 'retry');
    });

    it('exits 2 naming the paths at fault in an input that is not one', async () => {
      const { env } = cli;
      const r = await medic(['decide'], env, JSON.stringify({ kind: 'failure', job: 'load_dw', error: {} }));
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^stdin: job: /m);
      assert.match(r.stderr, /^stdin: error\.message: /m);
      assert.equal(r.stdout, '');
    });

    it('backtests the demo history and prints the report, as tables or as JSON', async () => {
      const { env } = cli;
      assert.equal((await medic(['demo'], env)).code, 0);
      const text = await medic(['policies', 'backtest', '--since', '90d'], env);
      assert.equal(text.code, 0, text.stderr);
      for (const heading of ['Decisions by action', 'Guardrail trips', 'Agreement with how each incident ended', 'decided \\ ended by', 'No forecasts are kept']) {
        assert.ok(text.stdout.includes(heading), heading);
      }
      const json = JSON.parse((await medic(['policies', 'backtest', '--since', '90d', '--json'], env)).stdout);
      assert.ok(json.failures > 10);
      assert.equal(json.scorecard.right + json.scorecard.wrong + json.scorecard.unscored, json.failures);
      assert.match(text.stdout, new RegExp(`\\b${json.failures} failures replayed`));
    });
  });
}
