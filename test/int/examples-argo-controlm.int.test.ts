/**
 * The Argo and Control-M examples' scripts, run as their scheduler would run them — the
 * variables substituted with sample values, `sh` with curl and jq, a stub `ctm` CLI — against a
 * real Medic listening on a port: each sends a valid decide input and acts on the answer.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { DecideRequest } from '../../src/decide/schema.ts';
import { listeningMedicForSuite } from '../support/listening.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const TOKEN = 'schedulers-example-decide-0123456789';
const READ_TOKEN = 'schedulers-example-read-0123456789';

const POLICIES = `
policies:
  - id: argo-example-refused-retry
    description: A refused connection in the example workflow is resubmitted after half a minute.
    priority: 100
    match: { sources: ["argo-example"], signature: { template: "connection refused" } }
    action: { kind: retry, delay_s: 30 }
  - id: argo-example-partial-hold
    description: Partial input in the example workflow holds what comes after it.
    priority: 100
    match: { sources: ["argo-example"], signature: { template: "partial input" } }
    action: { kind: hold_downstream }
  - id: ctm-example-load-retry
    description: The example's LoadDW is rerun after a second.
    priority: 100
    match: { jobs: ["ctm-prod/FinanceClose/LoadDW"] }
    action: { kind: retry, delay_s: 1 }
  - id: ctm-example-reconcile-hold
    description: When the example's Reconcile fails, publishing waits.
    priority: 100
    match: { jobs: ["ctm-prod/FinanceClose/Reconcile"] }
    action: { kind: hold_downstream }
`;

const missing = ['sh', 'curl', 'jq'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
const skip = missing.length > 0 ? `${missing.join(', ')} not installed: the examples' scripts need sh, curl and jq` : false;

/** Runs a shell script to its end without blocking the event loop: the Medic it asks is in this process. */
function sh(script: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script], { cwd: ROOT, env: { ...process.env, NO_PROXY: '127.0.0.1', no_proxy: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** Argo's substitution of `{{…}}` tags, for the tags the example uses. */
const substitute = (text: string, values: Record<string, string>) =>
  text.replace(/\{\{([^}]+)\}\}/g, (tag, name: string) => values[name.trim()] ?? tag);

interface ArgoTemplate { name: string; script?: { source: string; env: { name: string; value?: string }[] } }

describe('the Argo and Control-M examples against a real Medic', { skip }, () => {
  const medic = listeningMedicForSuite([{ name: 'schedulers', token: TOKEN, scopes: ['decide'] }, { name: 'reader', token: READ_TOKEN, scopes: ['read'] }], POLICIES);
  let dir: string;
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'medic-examples-')); });
  after(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

  const logged = async (id: string) => {
    const res = await medic.app.inject({ url: `/v1/decisions/${id}`, headers: { authorization: `Bearer ${READ_TOKEN}` } });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { action: string; job: string; attempt: number };
  };

  describe('the Argo exit handler', () => {
    let askMedic: { source: string; env: Record<string, string> };
    before(async () => {
      const wf = parse(await readFile(join(ROOT, 'examples/argo/medic-exit-handler.yaml'), 'utf8')) as { spec: { templates: ArgoTemplate[] } };
      const script = wf.spec.templates.find((t) => t.name === 'ask-medic')?.script;
      assert.ok(script, 'the workflow has an ask-medic script template');
      askMedic = { source: script.source, env: Object.fromEntries(script.env.map((e) => [e.name, e.value ?? ''])) };
    });

    /** Runs the step as Argo would at the end of workflow `nightly-etl-x7k2p` in namespace `etl`. */
    async function exitHandler(status: string, failures: unknown[], env: Record<string, string> = {}) {
      const out = await mkdtemp(join(dir, 'argo-'));
      const values = {
        'workflow.name': 'nightly-etl-x7k2p', 'workflow.namespace': 'etl', 'workflow.uid': '734516b5-97f2-11e9-9fea-00163e00cf4e',
        'workflow.status': status, 'workflow.failures': JSON.stringify(failures), 'workflow.parameters.attempt': '1',
      };
      const stepEnv = Object.fromEntries(Object.entries(askMedic.env).map(([k, v]) => [k, substitute(v, values)]));
      const run = await sh(askMedic.source, { ...stepEnv, MEDIC_URL: medic.url, MEDIC_TOKEN: TOKEN, MEDIC_SOURCE: 'argo-example', MEDIC_OUT: out, ...env });
      const file = (name: string) => readFile(join(out, name), 'utf8').catch(() => undefined);
      return { ...run, out, action: await file('action'), delay: await file('delay_s'), next: await file('next_attempt'), request: await file('request.json'), answer: await file('answer.json') };
    }
    const failure = (message: string) => ({ displayName: 'etl(0)', message, templateName: 'etl', phase: 'Failed', podName: 'nightly-etl-x7k2p-etl-1', finishedAt: '2026-11-24T01:02:03Z' });

    it('sends a valid decide input with the failure\'s own message, and writes retry, its delay and the next attempt', async () => {
      const r = await exitHandler('Failed', [failure('main: Error (exit code 1): psycopg2.OperationalError: could not connect to server: Connection refused')]);
      assert.equal(r.code, 0, r.output);
      assert.deepEqual([r.action, r.delay, r.next], ['retry', '30', '2'], r.output);
      const body = DecideRequest.parse(JSON.parse(r.request ?? ''));
      assert.equal(body.input.kind, 'failure');
      assert.deepEqual(body.input.job, { namespace: 'etl', name: 'nightly-etl' });
      assert.equal(body.input.run?.key, '734516b5-97f2-11e9-9fea-00163e00cf4e');
      assert.match(body.input.kind === 'failure' ? body.input.error.message : '', /^etl\(0\): main: Error \(exit code 1\): psycopg2\.OperationalError/);
      const decision = await logged(JSON.parse(r.answer ?? '').decision_id);
      assert.deepEqual([decision.action, decision.job, decision.attempt], ['retry', 'etl/nightly-etl', 1]);
      assert.doesNotMatch(r.output, new RegExp(TOKEN));
    });

    it('writes hold_downstream, which the step suspending the downstream CronWorkflow waits for', async () => {
      const r = await exitHandler('Failed', [failure('main: Error (exit code 3): partial input: 1204 rows of 58112')]);
      assert.equal(r.action, 'hold_downstream', r.output);
    });

    it('writes the answer for people (notify) when no policy knows the failure, and nothing acts on it', async () => {
      const r = await exitHandler('Error', [failure('main: Error (exit code 1): KeyError: amount')]);
      assert.equal(r.action, 'notify', r.output);
    });

    it('asks nothing when the workflow succeeded, and leaves the action none when Medic cannot be reached', async () => {
      const ok = await exitHandler('Succeeded', []);
      assert.deepEqual([ok.code, ok.action, ok.request], [0, 'none', undefined]);
      const down = await exitHandler('Failed', [failure('boom')], { MEDIC_URL: 'http://127.0.0.1:9', MEDIC_TIMEOUT_S: '2' });
      assert.deepEqual([down.code, down.action, down.delay], [0, 'none', '0'], down.output);
      assert.match(down.output, /nothing more is done/);
    });
  });

  describe('the Control-M hook', () => {
    let command: string;
    let variables: Record<string, string>;
    let stubDir: string;
    before(async () => {
      const def = JSON.parse(await readFile(join(ROOT, 'examples/controlm/finance-close.json'), 'utf8'));
      const ask = def.FinanceClose.LoadDW.IfNotOkAskMedic.AskMedic as { Variables: Record<string, string>[] };
      variables = Object.assign({}, ...ask.Variables);
      command = def.MedicHooks.MedicDecide.Command as string;
      // A ctm CLI that records each call and answers as the Automation API would.
      stubDir = await mkdtemp(join(dir, 'ctm-'));
      await writeFile(join(stubDir, 'ctm'), `#!/bin/sh
echo "$*" >> "$CTM_CALLS"
case "$2" in
  job:output::get) printf 'loading ledger for 2026-11-24\\nORA-12541: TNS:no listener\\n' ;;
  jobs:status::get) echo '{"statuses": [{"jobId": "ctm-prod:00ab2", "name": "PublishReports", "status": "Wait Condition"}, {"jobId": "ctm-prod:00a9z", "name": "PublishReports", "status": "Ended OK"}]}' ;;
  *) echo '{"message": "done"}' ;;
esac
`);
      await chmod(join(stubDir, 'ctm'), 0o755);
    });

    /** Runs MedicDecide as Control-M would order it after `job` ended NOTOK as order 00ab1. */
    async function hook(job: string, env: Record<string, string> = {}) {
      const work = await mkdtemp(join(dir, 'ctm-run-'));
      const system: Record<string, string> = { JOBNAME: job, ORDERID: '00ab1', RUNCOUNT: '1', OSCOMPSTAT: '1', NODEID: 'etl-agent-01' };
      const resolved = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, v.replace(/%%(\w+)/g, (_, n: string) => system[n] ?? '')]));
      const line = command.replace('/opt/medic/medic-decide.sh', join(ROOT, 'examples/controlm/medic-decide.sh')).replace(/%%(\w+)/g, (_, n: string) => resolved[n] ?? '');
      const calls = join(work, 'ctm-calls');
      const startedAt = Date.now();
      const run = await sh(line, { PATH: `${stubDir}:${process.env.PATH ?? ''}`, CTM_CALLS: calls, MEDIC_URL: medic.url, MEDIC_TOKEN: TOKEN, MEDIC_ENV_FILE: '/nonexistent', MEDIC_WORKDIR: work, ...env });
      const ctm = (await readFile(calls, 'utf8').catch(() => '')).split('\n').filter(Boolean);
      return { ...run, work, ctm, ms: Date.now() - startedAt, request: await readFile(join(work, 'request.json'), 'utf8').catch(() => undefined) };
    }

    it('sends a valid decide input with the job\'s last output line, and reruns the order after Medic\'s delay', async () => {
      const r = await hook('LoadDW');
      assert.equal(r.code, 0, r.output);
      const body = DecideRequest.parse(JSON.parse(r.request ?? ''));
      assert.deepEqual(body.input.job, { namespace: 'ctm-prod', name: 'FinanceClose/LoadDW' });
      assert.equal(body.input.run?.key, 'ctm-prod:00ab1');
      assert.equal(body.input.kind === 'failure' ? body.input.error.message : '', 'ORA-12541: TNS:no listener');
      assert.deepEqual(r.ctm, ['run job:output::get ctm-prod:00ab1', 'run job::rerun ctm-prod:00ab1'], r.output);
      assert.ok(r.ms >= 1000, `reran after ${r.ms} ms, before Medic's delay of 1 s`);
      assert.doesNotMatch(r.output, new RegExp(TOKEN));
    });

    it('holds the downstream orders that have not ended when Medic answers hold_downstream', async () => {
      const r = await hook('Reconcile');
      assert.deepEqual(r.ctm.slice(1), ['run jobs:status::get -s jobname=PublishReports&folder=FinanceClose&ctm=ctm-prod', 'run job::hold ctm-prod:00ab2'], r.output);
    });

    it('leaves the job as it ended on notify, and when Medic cannot be reached', async () => {
      const notify = await hook('Extract');
      assert.deepEqual(notify.ctm, ['run job:output::get ctm-prod:00ab1'], notify.output);
      assert.match(notify.output, /stays Ended Not OK/);
      const down = await hook('LoadDW', { MEDIC_URL: 'http://127.0.0.1:9', MEDIC_TIMEOUT_S: '2' });
      assert.deepEqual([down.code, down.ctm], [0, ['run job:output::get ctm-prod:00ab1']], down.output);
    });
  });
});
