/**
 * The CI examples run as a pipeline would run them, on a fixture configuration repository: a git
 * repository whose second commit widens a retry, with an exported history beside it. `npm`, `gh`
 * and `curl` are stand-ins that record what they were asked; `medic` is this build.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { StoredFailure } from '../../src/policies/backtest-sql.ts';
import { historyLines } from '../../src/policies/history-file.ts';
import { POLICIES_DIR } from '../../src/runtime.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DAY = 86_400_000;
const HEADING = '### Medic: what would this policy change have done?';

const WIDEN = `policies:
  - id: controlm-retry
    description: Control-M jobs are retried once before people are told.
    priority: 1
    match: { orchestrators: [controlm] }
    action: { kind: retry, delay_s: 300, max_attempts: 1 }
`;

/** Three nights of a Control-M transfer that stayed failed until the next night, and a refused connection a retry fixed. */
function history(now: number): string {
  const f = (day: number, over: Partial<StoredFailure>): StoredFailure => ({
    run_id: day, attempt: 1, failed_at: new Date(now - day * DAY), incident_id: day, namespace: 'ctm-prod', name: 'PAYROLL/PAY_TRANSFER', source: 'ctm-prod',
    orchestrator: 'controlm', run_key: `ctm-prod:${day}`, error_message: 'Control-M job PAYROLL/PAY_TRANSFER ended with status "Ended Not OK"', error_detail: null,
    signature_id: 1, fingerprint: 'fp-1', template: 'Control-M job PAYROLL/PAY_TRANSFER ended with status "<*>"', exception_type: null, embedding: null,
    signature_first_seen_at: new Date(now - 30 * DAY), run_recovered: false, resolution: { action: 'next_run', actor: 'orchestrator', outcome: 'success', resolved_at: new Date(now - day * DAY + DAY).toISOString() },
    ...over,
  });
  const failures = [f(9, {}), f(6, {}), f(5, {
    namespace: 'airflow-prod', name: 'finance_close.extract_bank', source: 'airflow-prod', orchestrator: 'airflow', signature_id: 2, fingerprint: 'fp-2',
    error_message: 'could not connect to server: Connection refused', template: 'could not connect to server: Connection refused', run_recovered: true,
    resolution: { action: 'retry', actor: 'orchestrator', outcome: 'success', resolved_at: new Date(now - 5 * DAY + 600_000).toISOString() },
  }), f(2, {})];
  const after = new Map(failures.map((x) => [`${x.run_id}:1`, { next_attempt: x.run_recovered ? 'completed' : null, sla_missed: null }]));
  return `${historyLines({
    origin: 'store', from: new Date(now - 30 * DAY), until: new Date(now), failures, after, anonymised: false, jobNamesAnonymised: false, embedder: null,
    jobs: [...new Set(failures.map((x) => `${x.namespace}/${x.name}`))], history: { near: new Map(), resolutions: [], services: new Map() },
  }, new Date(now)).join('\n')}\n`;
}

const STUBS: Record<string, string> = {
  medic: `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin/medic.js')}" "$@"\n`,
  npm: '#!/bin/sh\necho "$*" >> "$STUB_LOG/npm"\n',
  // No earlier comment to edit: `--edit-last` fails, as gh does, and the example posts a new one.
  gh: '#!/bin/sh\ncase "$*" in *--edit-last*) exit 1;; esac\nwhile [ $# -gt 0 ]; do [ "$1" = --body-file ] && cp "$2" "$STUB_LOG/gh-body"; shift; done\n',
  curl: '#!/bin/sh\nfor a in "$@"; do case "$a" in body@*) cp "${a#body@}" "$STUB_LOG/curl-body";; http*) echo "$a" > "$STUB_LOG/curl-url";; esac; done\n',
};

function run(command: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const child = spawn(command[0] ?? '', command.slice(1), { cwd, env });
  let out = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

describe('the CI examples, run on a fixture repository', () => {
  let dir: string;
  let repo: string;
  let log: string;
  let env: Record<string, string>;
  const git = (...args: string[]) => spawnSync('git', args, { cwd: repo, encoding: 'utf8' }).stdout.trim();
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'medic-ci-'));
    repo = join(dir, 'repo');
    log = join(dir, 'log');
    const bin = join(dir, 'bin');
    await Promise.all([mkdir(join(repo, '.medic'), { recursive: true }), mkdir(join(repo, 'services'), { recursive: true }), mkdir(log), mkdir(bin)]);
    for (const [name, text] of Object.entries(STUBS)) {
      await writeFile(join(bin, name), text);
      await chmod(join(bin, name), 0o755);
    }
    const { DATABASE_URL: _d, REDIS_URL: _r, MEDIC_DATA_DIR: _m, MEDIC_POLICIES_DIR: _p, ...rest } = process.env;
    env = { ...rest, PATH: `${bin}:${process.env.PATH ?? ''}`, STUB_LOG: log, LOG_LEVEL: 'silent', GIT_AUTHOR_NAME: 'ci', GIT_AUTHOR_EMAIL: 'ci@example.com', GIT_COMMITTER_NAME: 'ci', GIT_COMMITTER_EMAIL: 'ci@example.com' };
    await cp(POLICIES_DIR, join(repo, 'policies'), { recursive: true });
    await writeFile(join(repo, 'approvers.yaml'), '- { name: alice, groups: [data-oncall, finance-data] }\n- { name: bob, groups: [data-oncall, finance-data] }\n');
    await writeFile(join(repo, '.medic', 'history.ndjson'), history(Date.now()));
    // One job the exported history lists, and one no source ever reported.
    await writeFile(join(repo, 'services', 'payroll.yaml'), 'name: payroll\ndeadline: { kind: duration, minutes: 60 }\njobs:\n  - job: ctm-prod/PAYROLL/PAY_TRANSFER\n  - job: ctm-prod/PAYROLL/PAY_NOTIFY\n    after: [ctm-prod/PAYROLL/PAY_TRANSFER]\n');
    spawnSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
    for (const args of [['add', '.'], ['commit', '-qm', 'policies as they are']]) spawnSync('git', args, { cwd: repo, env });
    git('update-ref', 'refs/remotes/origin/main', 'HEAD');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('stops a commit that widens a retry through the pre-commit hooks, and lets the others pass', async () => {
    await writeFile(join(repo, 'policies', 'controlm.yaml'), WIDEN);
    git('add', '.');
    const hooks = parse(await readFile(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as { id: string; entry: string }[];
    const codes: Record<string, number | null> = {};
    for (const h of hooks) codes[h.id] = (await run(h.entry.split(/\s+/).map((w, i) => (i === 0 ? join(dir, 'bin', w) : w)), repo, env)).code;
    assert.deepEqual(codes, { 'medic-check': 0, 'medic-policies-test': 0, 'medic-policies-diff': 1 });
    spawnSync('git', ['commit', '-qm', 'retry Control-M jobs once'], { cwd: repo, env });
  });

  it('runs the GitHub Actions workflow: checks, posts the diff on the pull request, and fails the gate', async () => {
    const wf = parse(await readFile(join(ROOT, 'examples/ci/github-actions.yml'), 'utf8')) as {
      env: Record<string, string>; jobs: Record<string, { steps: { name?: string; uses?: string; run?: string; env?: Record<string, string> }[] }>;
    };
    const output = join(dir, 'github-output');
    await writeFile(output, '');
    const values: Record<string, string> = { 'github.base_ref': 'main', 'github.token': 'token', 'github.event.pull_request.number': '7' };
    const expand = (s: string) => s.replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_, k: string) => values[k] ?? '');
    const codes: (number | null)[] = [];
    const outs: Record<string, string> = {};
    for (const step of Object.values(wf.jobs)[0]?.steps ?? []) {
      if (!step.run) continue;
      const stepEnv = Object.fromEntries(Object.entries({ ...wf.env, ...step.env }).map(([k, v]) => [k, expand(String(v))]));
      const r = await run(['bash', '--noprofile', '--norc', '-eo', 'pipefail', '-c', expand(step.run)], repo, { ...env, ...stepEnv, GITHUB_OUTPUT: output });
      codes.push(r.code);
      outs[step.name ?? ''] = r.out;
      for (const m of (await readFile(output, 'utf8')).matchAll(/^(\w+)=(.*)$/gm)) values[`steps.diff.outputs.${m[1]}`] = m[2] ?? '';
    }
    assert.deepEqual(codes, [0, 0, 0, 0, 1], 'install, check, diff and comment pass; the gate fails');
    // The check read the jobs from the exported history: only the job it does not list is flagged.
    assert.deepEqual(outs['Check the repository']?.match(/^::warning .*$/gm), ['::warning file=services/payroll.yaml,line=5,col=10,title=job-never-reported::jobs.1.job: no source has ever reported the job ctm-prod/PAYROLL/PAY_NOTIFY (service payroll)']);
    assert.match(await readFile(join(log, 'npm'), 'utf8'), /^install --global github:your-org\/medic#v0\.1\.0$/m);
    const body = await readFile(join(log, 'gh-body'), 'utf8');
    assert.ok(body.startsWith(HEADING), body);
    assert.match(body, /\*\*3 of 4 decisions change\*\*/);
    assert.match(body, /:x: \*\*Failed:\*\* `unrecoverable_retries>0` \(unrecoverable_retries is 3\)/);
    assert.match(body, /Base `origin\/main:policies`/);
  });

  it('runs the GitLab CI job: a JUnit report of the check, the diff as a merge-request note, and exit 1', async () => {
    const ci = parse(await readFile(join(ROOT, 'examples/ci/gitlab-ci.yml'), 'utf8')) as Record<string, { variables: Record<string, string>; script: string[] }>;
    const job = ci.medic;
    assert.ok(job);
    const base = git('rev-parse', 'origin/main');
    const ciEnv = {
      ...job.variables, CI_MERGE_REQUEST_DIFF_BASE_SHA: base, CI_API_V4_URL: 'https://gitlab.example.com/api/v4', CI_PROJECT_ID: '42', CI_MERGE_REQUEST_IID: '7', MEDIC_GITLAB_TOKEN: 'token',
    };
    const r = await run(['bash', '--noprofile', '--norc', '-eo', 'pipefail', '-c', job.script.join('\n')], repo, { ...env, ...ciEnv });
    assert.equal(r.code, 1, r.out);
    assert.match(await readFile(join(repo, 'medic-check.xml'), 'utf8'), /^<\?xml/);
    const note = await readFile(join(log, 'curl-body'), 'utf8');
    assert.ok(note.startsWith(HEADING), note);
    assert.match(note, new RegExp(`Base \`${base}:policies\``));
    assert.equal((await readFile(join(log, 'curl-url'), 'utf8')).trim(), 'https://gitlab.example.com/api/v4/projects/42/merge_requests/7/notes');
  });
});
