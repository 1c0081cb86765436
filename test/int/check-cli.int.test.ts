import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { JSON_REPORT_SCHEMA } from '../../src/check/format-json.ts';
import { cliStoreForSuite, runMedic } from '../support/cli.ts';
import { testStores } from '../support/stores.ts';

// A configuration repository with one of each fault, as the CLI is given it: relative to where it runs.
const DIR = relative(process.cwd(), fileURLToPath(new URL('../fixtures/check-repo', import.meta.url)));
const require = createRequire(import.meta.url);
const SARIF_SCHEMA = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as object;

const EXPECTED = [
  'policies/alias.yaml:3:15 error alias-cycle the alias *all is inside the node it names: a cycle',
  'policies/duplicate-key.yaml:5:5 error duplicate-key policies.0.priority: the key "priority" is given twice',
  'policies/gated.yaml:6:33 error unknown-service policies.0.match.services.1: no service defined in the repository is named like "payments-*"',
  'policies/gated.yaml:9:53 error unknown-approver-group policies.0.approval.groups.1: no approver in DIR/approvers.yaml belongs to the group "platform-oncall"',
  'policies/gated.yaml:16:15 error gated-without-approvers policies.1.approval: a gated skip needs 2 approvers, and there is only 1 approver in finance-leads: it can never be approved',
  'policies/gated.yaml:21:39 error unknown-prompt policies.2.action.agent: no prompt "triage" (known: diagnose, summarise)',
  'policies/shape.yaml:4:5 error unknown-field policies.0.retries: Unrecognized key: "retries"',
  'policies/shape.yaml:8:15 error wrong-type policies.1.priority: Invalid input: expected number, received string',
  'policies/syntax.yaml:5:3 error yaml-syntax policies: Flow map in block collection must be sufficiently indented and end with a }',
  'prompts/summarise.v2.md:2:5 error prompt-name id: the file must be named summarise.v1.md after its front matter',
  'services:1:1 note check-skipped job-never-reported not checked: no store to read: DATABASE_URL is unset and STORE holds no embedded store (set DATABASE_URL, or MEDIC_DATA_DIR to the embedded store\'s folder)',
  'services/finance.yaml:7:33 warning unknown-downstream downstream.1: no service named "ar-aging" is defined in the repository',
  'services/finance.yaml:13:14 error service-cycle downstream.0: services are downstream of each other in a cycle: finance-close → finance-dashboard → finance-close',
  'services/loop.yaml:4:3 error service-cycle jobs: dependencies form a cycle: argo-ml/features.build → argo-ml/features.publish → argo-ml/features.build',
];

describe('medic check', () => {
  let tmp: string;
  let env: Record<string, string>;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'medic-check-'));
    env = { MEDIC_DATA_DIR: join(tmp, 'no-store') };
  });
  after(() => rm(tmp, { recursive: true, force: true }));
  const check = (args: string[]) => runMedic(['check', DIR, ...args], env);

  it('reports every fault of a repository in one run, each with its file, line, column and field, and exits 1', async () => {
    const r = await check([]);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(lines.slice(0, -2).map((l) => l.replace(`${DIR}/`, '').replace(DIR, 'DIR').replace(env['MEDIC_DATA_DIR'] ?? '', 'STORE')), EXPECTED);
    assert.equal(lines.at(-1), '12 errors, 1 warning, 1 note in 10 files');
  });

  it('writes the same findings as JSON, JUnit XML, SARIF and GitHub annotations, each in its published shape', async () => {
    const [json, junit, sarif, github] = await Promise.all(['json', 'junit', 'sarif', 'github'].map((f) => check(['--format', f])));
    for (const r of [json, junit, sarif, github]) assert.equal(r?.code, 1, r?.stderr);
    const report = JSON.parse(json?.stdout ?? '');
    assert.ok(new Ajv({ allowUnionTypes: true }).validate(JSON_REPORT_SCHEMA, report));
    assert.equal(report.findings.length, EXPECTED.length);
    assert.equal(json?.stderr.trim(), '12 errors, 1 warning, 1 note in 10 files');

    assert.equal(XMLValidator.validate(junit?.stdout ?? ''), true);
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(junit?.stdout ?? '');
    assert.equal(xml.testsuites.testsuite.length, 11, 'a suite for each of the 10 files and the services folder');
    assert.equal(xml.testsuites.failures, '12', 'a failed case for each rule that an error broke in a file');

    const ajv = new ajvDraft04.default({ strict: false, unicodeRegExp: false });
    ajvFormats.default(ajv);
    const log = JSON.parse(sarif?.stdout ?? '') as { runs: { results: { locations: { physicalLocation: object }[] }[] }[] };
    assert.ok(ajv.validate(SARIF_SCHEMA, log), JSON.stringify(ajv.errors));
    assert.deepEqual(log.runs[0]?.results[1]?.locations[0]?.physicalLocation, {
      artifactLocation: { uri: `${DIR}/policies/duplicate-key.yaml`, uriBaseId: '%SRCROOT%' }, region: { startLine: 5, startColumn: 5 },
    });

    const annotations = github?.stdout.trim().split('\n') ?? [];
    assert.equal(annotations.length, EXPECTED.length);
    assert.equal(annotations[1], `::error file=${DIR}/policies/duplicate-key.yaml,line=5,col=5,title=duplicate-key::policies.0.priority: the key "priority" is given twice`);
    assert.ok(annotations.every((l) => /^::(error|warning|notice) file=[^,:]+,line=\d+,col=\d+,title=[a-z-]+::.+$/.test(l)), annotations.join('\n'));
  });

  it('exits 0 with only warnings, and 1 with them under --strict', async () => {
    const repo = join(tmp, 'warnings');
    await mkdir(join(repo, 'services'), { recursive: true });
    await writeFile(join(repo, 'services', 'close.yaml'), 'name: close\ndeadline: { kind: duration, minutes: 60 }\njobs: [{ job: a/b }]\ndownstream: [reporting]\n');
    const lenient = await runMedic(['check', repo, '--no-store'], env);
    assert.equal(lenient.code, 0, lenient.stdout);
    assert.match(lenient.stdout, /close\.yaml:4:14 warning unknown-downstream downstream\.0: /);
    assert.match(lenient.stdout, /note check-skipped job-never-reported not checked: --no-store was given/);
    assert.equal((await runMedic(['check', repo, '--no-store', '--strict'], env)).code, 1);
    assert.equal((await runMedic(['check', join(tmp, 'nothing-here')], env)).code, 1);
  });
});

for (const store of testStores()) {
  describe(`medic check against the store (${store.name})`, () => {
    const cli = cliStoreForSuite(store);

    it("warns of the services' jobs that no source has ever reported", async () => {
      const event = { job: { namespace: 'airflow-prod', name: 'finance_close.extract_erp' }, run: { id: 'r-1' }, type: 'completed', time: '2026-11-02T10:00:00Z' };
      const ingested = await runMedic(['ingest', '-', '--source', 'generic', '--instance', 'airflow-prod'], cli.env, JSON.stringify(event));
      assert.equal(ingested.code, 0, ingested.stderr);
      const r = await runMedic(['check', DIR, '--store', '--format', 'json'], cli.env);
      const report = JSON.parse(r.stdout) as { findings: { rule: string; file: string; line: number; column: number; path: (string | number)[] }[] };
      assert.deepEqual(report.findings.filter((f) => f.rule === 'job-never-reported' || f.rule === 'check-skipped').map((f) => `${f.file.replace(`${DIR}/`, '')}:${f.line}:${f.column} ${f.path.join('.')}`), [
        'services/finance.yaml:5:10 jobs.1.job',
        'services/finance.yaml:12:10 jobs.0.job',
      ]);

      // The same from an export, with no store: the job that only ever completed counts as reported.
      const folder = await mkdtemp(join(tmpdir(), 'medic-check-history-'));
      after(() => rm(folder, { recursive: true, force: true }));
      const file = join(folder, 'history.ndjson');
      assert.equal((await runMedic(['export', 'history', '--output', file], cli.env)).code, 0);
      const offline = await runMedic(['check', DIR, '--history', file, '--format', 'json'], { MEDIC_DATA_DIR: join(tmpdir(), 'medic-no-store') });
      const fromFile = JSON.parse(offline.stdout) as typeof report;
      assert.deepEqual(fromFile.findings.filter((f) => f.rule === 'job-never-reported' || f.rule === 'check-skipped').map((f) => `${f.line}:${f.column} ${f.path.join('.')}`), ['5:10 jobs.1.job', '12:10 jobs.0.job']);
      const unreadable = await runMedic(['check', DIR, '--history', `${file}.missing`], cli.env);
      assert.equal(unreadable.code, 2);
      assert.match(unreadable.stderr, /^medic check: --history: .*history\.ndjson\.missing: ENOENT/);
    });
  });
}
