import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
// ajv comes with Fastify; here it plays the editor that reads the printed schema.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { parseDecideText } from '../../src/cli/decide.ts';
import { renderCaseResults, renderPolicies } from '../../src/cli/policies.ts';
import type { CaseResult } from '../../src/policies/case-runner.ts';
import { formatIssue } from '../../src/policies/check.ts';
import { caseFileJsonSchema, policyFileJsonSchema } from '../../src/policies/json-schema.ts';
import { parsePolicySet, type PolicySet } from '../../src/policies/load.ts';
import { POLICIES_DIR } from '../../src/runtime.ts';

const ajv = () => new Ajv2020({ strict: false, validateFormats: false, allErrors: true });

describe('the policy commands', () => {
  it('prints a JSON Schema that every shipped policy file and case file validates against', async () => {
    const policies = ajv().compile(policyFileJsonSchema());
    const cases = ajv().compile(caseFileJsonSchema());
    const names = (await readdir(POLICIES_DIR)).filter((n) => n.endsWith('.yaml'));
    assert.ok(names.length >= 5);
    for (const name of names) {
      const validate = name.endsWith('.test.yaml') ? cases : policies;
      assert.ok(validate(parse(await readFile(join(POLICIES_DIR, name), 'utf8'))), `${name}: ${JSON.stringify(validate.errors)}`);
    }
  });

  it('gives editors the faults of a policy file through its JSON Schema', () => {
    const validate = ajv().compile(policyFileJsonSchema());
    assert.equal(validate({ policies: [{ id: 'a', description: 'd', action: { kind: 'rollback' } }] }), false);
    assert.equal(validate({ policies: [{ id: 'a', description: 'd', action: { kind: 'retry', delay_s: -5 } }] }), false);
    assert.equal(validate({ policies: [{ id: 'a', description: 'd', action: { kind: 'retry' }, colour: 'red' }] }), false);
    assert.equal(validate({ policies: [{ id: 'a', description: 'd', action: { kind: 'retry' } }] }), true);
  });

  it('reads a decision input wrapped as the endpoint takes it, or bare', () => {
    const bare = parseDecideText('{"kind": "failure", "job": "a/b", "error": {"message": "boom"}}');
    const wrapped = parseDecideText('{"input": {"kind": "preflight", "job": {"namespace": "a", "name": "b"}}}');
    assert.equal(bare.kind === 'ok' && bare.input.kind === 'failure' && bare.input.attempt, 1);
    assert.deepEqual(wrapped.kind === 'ok' && wrapped.input.job, { namespace: 'a', name: 'b' });
  });

  it('names the paths at fault in a decision input that is not one', () => {
    assert.deepEqual(parseDecideText('{"input": {"kind": "failure", "job": "a/b", "error": {}}}'), { kind: 'invalid', faults: ['input.error.message: Invalid input: expected string, received undefined'] });
    const bare = parseDecideText('{"kind": "failure", "job": "a/b", "attempt": 0, "error": {"message": "x"}}');
    assert.deepEqual(bare.kind === 'invalid' && bare.faults.map((f) => f.split(':')[0]), ['attempt']);
    const broken = parseDecideText('{"kind": ');
    assert.match(broken.kind === 'invalid' ? broken.faults.join() : '', /^\(document\): not JSON/);
  });

  it('prints each fault as file:line:column path: message', () => {
    assert.equal(formatIssue({ file: 'gated.yaml', line: 4, column: 7, path: ['policies', 0, 'approval'], message: 'must be gated' }, 'policies/'),
      'policies/gated.yaml:4:7 policies.0.approval: must be gated');
    assert.equal(formatIssue({ file: 'a.yaml', line: 0, column: 0, path: [], message: 'unreadable' }), 'a.yaml (file): unreadable');
  });

  it('lists the policies in evaluation order with their approval', () => {
    const parsed = parsePolicySet([{ name: 'p.yaml', text: 'policies:\n  - {id: low, description: d, action: {kind: notify}}\n  - {id: high, description: d, priority: 5, action: {kind: rerun}, approval: {kind: quorum, groups: [ops], count: 2}}\n' }]);
    const set = { policies: parsed.kind === 'ok' ? parsed.policies : [] } as Pick<PolicySet, 'policies'> as PolicySet;
    const rows = renderPolicies(set).split('\n').slice(2);
    assert.match(rows[0] ?? '', /^5\s+high\s+failure\s+enforce\s+rerun\s+2 of ops$/);
    assert.match(rows[1] ?? '', /^0\s+low\s+failure\s+enforce\s+notify\s+none$/);
  });

  it('prints a line a case, what differed under a failed one, and the count of failures', () => {
    const decision = { action: { kind: 'retry' }, policyId: 'r', reason: 'r: retry' } as unknown as CaseResult['decision'];
    const text = renderCaseResults([
      { file: 'a.test.yaml', line: 2, name: 'retries', passed: true, differences: [], decision },
      { file: 'a.test.yaml', line: 6, name: 'pages', passed: false, differences: [{ field: 'action', expected: 'notify', decided: 'retry' }], decision },
    ]);
    assert.match(text, /✓ retries\n {2}✗ pages\n {6}action: expected notify, decided retry\n {6}at a\.test\.yaml:6/);
    assert.match(text, /1 of 2 cases failed$/);
  });
});
