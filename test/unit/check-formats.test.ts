import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { exitCodeOf, RULES_FOR, type CheckReport, type Finding } from '../../src/check/finding.ts';
import { formatReport } from '../../src/check/format.ts';
import { escapeData, escapeProperty } from '../../src/check/format-github.ts';
import { JSON_REPORT_SCHEMA } from '../../src/check/format-json.ts';

// The SARIF 2.1.0 schema as Microsoft's SARIF SDK publishes it (JSON Schema draft-04). Both Ajv
// packages are CommonJS, whose class is their `default`.
const require = createRequire(import.meta.url);
const SARIF_SCHEMA = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as object;

const POLICIES = 'config/policies/gated.yaml';
const SERVICES = 'config/services/finance, "main".yaml';
const report: CheckReport = {
  root: 'config',
  files: [{ file: POLICIES, kind: 'policies' }, { file: SERVICES, kind: 'services' }],
  findings: [
    { level: 'error', rule: 'unknown-service', file: POLICIES, line: 6, column: 33, path: ['policies', 0, 'match', 'services', 1], message: 'no service named "payments-*" <&> 100%' },
    { level: 'error', rule: 'unknown-service', file: POLICIES, line: 7, column: 5, path: ['policies', 1, 'match', 'services', 0], message: 'no service named "ledger"\u0007' },
    { level: 'warning', rule: 'unknown-downstream', file: SERVICES, line: 7, column: 33, path: ['downstream', 1], message: 'a:b,c\nnext line\r' },
    { level: 'note', rule: 'check-skipped', file: 'config/services', line: 1, column: 1, path: [], message: 'job-never-reported not checked: no store' },
  ],
  skipped: [{ rule: 'job-never-reported', reason: 'no store' }],
};

describe('medic check formats', () => {
  it('writes text as file:line:column level rule path: message, then the counts', () => {
    const lines = formatReport(report, 'text').split('\n');
    assert.equal(lines[0], `${POLICIES}:6:33 error unknown-service policies.0.match.services.1: no service named "payments-*" <&> 100%`);
    assert.equal(lines[2], `${SERVICES}:7:33 warning unknown-downstream downstream.1: a:b,c next line`);
    assert.equal(lines[3], 'config/services:1:1 note check-skipped job-never-reported not checked: no store');
    assert.equal(lines.at(-2), '2 errors, 1 warning, 1 note in 2 files');
  });

  it('writes JSON in its documented shape', () => {
    const json = JSON.parse(formatReport(report, 'json')) as { summary: unknown; findings: Finding[] };
    const validate = new Ajv({ strict: true, allowUnionTypes: true }).compile(JSON_REPORT_SCHEMA);
    assert.ok(validate(json), JSON.stringify(validate.errors));
    assert.deepEqual(json.summary, { files: 2, errors: 2, warnings: 1, notes: 1 });
    assert.deepEqual(json.findings[0], report.findings[0]);
  });

  it('writes JUnit XML that parses: a suite a file, a case a rule, errors as failures, skipped checks as skipped', () => {
    const xml = formatReport(report, 'junit');
    assert.equal(XMLValidator.validate(xml), true);
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false, isArray: (name) => ['testsuite', 'testcase'].includes(name) }).parse(xml);
    type Case = { name: string; classname: string; failure?: { message: string; type: string; '#text': string }; skipped?: { message: string }; 'system-out'?: string };
    type Suite = { name: string; tests: string; failures: string; skipped: string; testcase: Case[] };
    const suites = parsed.testsuites.testsuite as Suite[];
    assert.deepEqual(suites.map((s) => s.name), [POLICIES, 'config/services', SERVICES]);
    const [policies, folder, services] = suites as [Suite, Suite, Suite];
    assert.deepEqual(policies.testcase.map((c) => c.name), RULES_FOR.policies);
    assert.equal(policies.failures, '1');
    const failed = policies.testcase.find((c) => c.failure);
    assert.equal(failed?.failure?.type, 'unknown-service');
    assert.equal(failed?.failure?.message, '2 errors, the first: policies.0.match.services.1: no service named "payments-*" <&> 100%');
    assert.match(failed?.failure?.['#text'] ?? '', /gated\.yaml:7:5 error policies\.1\.match\.services\.0: no service named "ledger"$/);
    assert.equal(services.skipped, '1');
    assert.equal(services.testcase.find((c) => c.name === 'job-never-reported')?.skipped?.message, 'no store');
    assert.match(services.testcase.find((c) => c.name === 'unknown-downstream')?.['system-out'] ?? '', /warning downstream\.1: a:b,c\nnext line/);
    assert.equal(folder.testcase[0]?.name, 'check-skipped');
    assert.equal(parsed.testsuites.tests, String(suites.reduce((n, s) => n + s.testcase.length, 0)));
  });

  it('writes SARIF 2.1.0 that its published schema accepts, with rules, levels and regions', () => {
    type Result = { ruleIndex: number; level: string; locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: object } }[] };
    type Log = { runs: { tool: { driver: { name: string; rules: { id: string }[] } }; results: Result[] }[] };
    const sarif = JSON.parse(formatReport({ ...report, findings: [...report.findings, { ...report.findings[0] as Finding, file: '/srv/medic config/a.yaml' }] }, 'sarif')) as Log;
    // The schema has a pattern that is not valid under the `u` flag, which Ajv uses by default.
    const ajv = new ajvDraft04.default({ strict: false, unicodeRegExp: false });
    ajvFormats.default(ajv);
    const validate = ajv.compile(SARIF_SCHEMA);
    assert.ok(validate(sarif), JSON.stringify(validate.errors));
    const run = sarif.runs[0] as Log['runs'][number];
    const [first, , warning, note, absolute] = run.results as [Result, Result, Result, Result, Result];
    assert.equal(validate({ ...sarif, runs: [{ ...run, results: [{ ...first, level: 'info' }] }] }), false, 'the schema refuses a level SARIF does not have');
    assert.equal(run.tool.driver.name, 'medic');
    assert.equal(run.tool.driver.rules[first.ruleIndex]?.id, 'unknown-service');
    assert.deepEqual(first.locations[0]?.physicalLocation, { artifactLocation: { uri: 'config/policies/gated.yaml', uriBaseId: '%SRCROOT%' }, region: { startLine: 6, startColumn: 33 } });
    assert.equal(warning.locations[0]?.physicalLocation.artifactLocation.uri, 'config/services/finance%2C%20%22main%22.yaml');
    assert.deepEqual([first.level, warning.level, note.level], ['error', 'warning', 'note']);
    assert.equal(absolute.locations[0]?.physicalLocation.artifactLocation.uri, 'file:///srv/medic%20config/a.yaml');
  });

  it("writes GitHub's annotation lines, escaping messages and properties as the runner reads them", () => {
    assert.deepEqual(formatReport(report, 'github').split('\n'), [
      `::error file=${POLICIES},line=6,col=33,title=unknown-service::policies.0.match.services.1: no service named "payments-*" <&> 100%25`,
      `::error file=${POLICIES},line=7,col=5,title=unknown-service::policies.1.match.services.0: no service named "ledger"\u0007`,
      '::warning file=config/services/finance%2C "main".yaml,line=7,col=33,title=unknown-downstream::downstream.1: a:b,c%0Anext line%0D',
      '::notice file=config/services,line=1,col=1,title=check-skipped::job-never-reported not checked: no store',
      '',
    ]);
    assert.equal(escapeData('50% a\r\nb'), '50%25 a%0D%0Ab');
    assert.equal(escapeProperty('C:\\x,y'), 'C%3A\\x%2Cy');
  });

  it('exits 1 on an error, 0 on warnings unless strict, and never on notes', () => {
    const [error, , warning, note] = report.findings as [Finding, Finding, Finding, Finding];
    assert.equal(exitCodeOf([error, note], false), 1);
    assert.equal(exitCodeOf([warning, note], false), 0);
    assert.equal(exitCodeOf([warning], true), 1);
    assert.equal(exitCodeOf([note], true), 0);
  });
});
