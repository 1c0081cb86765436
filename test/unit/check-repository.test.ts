import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkApprovers } from '../../src/check/approvers.ts';
import type { Finding } from '../../src/check/finding.ts';
import { checkPolicies } from '../../src/check/policies.ts';
import { checkPrompts } from '../../src/check/prompts.ts';
import { checkReferences, type DefinedNames } from '../../src/check/references.ts';
import { checkServices, neverReported } from '../../src/check/services.ts';

/** A finding as one comparable line: `file:line:column rule path`. */
const brief = (f: Finding) => `${f.file}:${f.line}:${f.column} ${f.rule} ${f.path.join('.')}`;

const GATED = `policies:
  - id: rerun
    description: d
    match: { services: [finance-close, payments-*] }
    action: { kind: rerun }
    approval: { kind: one_of, groups: [data-oncall, platform] }
  - id: skip
    description: d
    action: { kind: skip }
    approval: { kind: quorum, count: 3, groups: [data-oncall] }
  - id: agent
    description: d
    action: { kind: run_agent, agent: triage }
`;

describe('medic check: each file', () => {
  it('reports every fault of every policy file in one run, each with its position and field', () => {
    const r = checkPolicies([
      { file: 'p/shape.yaml', text: 'policies:\n  - id: a\n    description: d\n    retries: 3\n    action: { kind: notify }\n  - id: b\n    description: d\n    priority: high\n    action: { kind: notify }\n' },
      { file: 'p/keys.yaml', text: 'policies:\n  - id: c\n    id: d\n    description: d\n    action: { kind: notify\n' },
      { file: 'p/alias.yaml', text: 'classes: &all\n  - name: loop\n    examples: *all\n' },
      { file: 'p/twice.yaml', text: 'policies:\n  - { id: a, description: d, action: { kind: notify } }\n  - { id: a, description: e, action: { kind: notify } }\n' },
    ], [{ file: 'p/cases.test.yaml', text: 'cases:\n  - name: x\n    input: { kind: failure, job: a/b, error: { message: m } }\n    expect: { policy_id: nope }\n' }]);
    assert.deepEqual(r.findings.map(brief), [
      'p/shape.yaml:4:5 unknown-field policies.0.retries',
      'p/shape.yaml:8:15 wrong-type policies.1.priority',
      'p/keys.yaml:3:5 duplicate-key policies.0.id',
      'p/keys.yaml:6:1 yaml-syntax ',
      'p/alias.yaml:3:15 alias-cycle ',
      'p/twice.yaml:3:11 duplicate-id policies.1.id',
      'p/cases.test.yaml:4:26 invalid-value cases.0.expect.policy_id',
    ]);
    assert.deepEqual(r.policies.map((p) => p.policy.id), ['a', 'a'], 'the policies that parse are kept for the checks across files');
  });

  it('reports cycles in a service and across services, names used twice and downstream services not defined', () => {
    const r = checkServices([
      { file: 's/a.yaml', text: 'name: a\ndeadline: { kind: duration, minutes: 60 }\njobs: [{ job: x/one }]\ndownstream: [b, gone]\n---\nname: b\ndeadline: { kind: duration, minutes: 60 }\njobs: [{ job: x/two }]\ndownstream: [a]\n' },
      { file: 's/loop.yaml', text: 'name: loop\ndeadline: { kind: duration, minutes: 60 }\njobs:\n  - { job: x/p, after: [x/q] }\n  - { job: x/q, after: [x/p] }\n' },
      { file: 's/again.yaml', text: 'name: a\ndeadline: { kind: duration, minutes: 60 }\njobs: [{ job: x/three }]\n' },
    ]);
    assert.deepEqual(r.findings.map(brief), [
      's/loop.yaml:4:3 service-cycle jobs',
      's/again.yaml:1:7 duplicate-id name',
      's/a.yaml:4:17 unknown-downstream downstream.1',
      's/a.yaml:9:14 service-cycle downstream.0',
    ]);
    assert.match(r.findings[3]?.message ?? '', /a → b → a/);
    const reported = new Set(['x/one', 'x/p']);
    assert.deepEqual(neverReported(r.services, reported).map(brief), ['s/a.yaml:8:15 job-never-reported jobs.0.job', 's/again.yaml:3:15 job-never-reported jobs.0.job']);
  });

  it('reads a prompt as Medic loads it, positions in the front matter counted from the file', () => {
    const r = checkPrompts([
      { file: 'pr/diagnose.v1.md', text: '---\nid: diagnose\nversion: 1\ndescription: d\n---\nDo it.\n' },
      { file: 'pr/summary.v2.md', text: '---\nid: summary\nversion: 1\ndescription: d\n---\nSum up.\n' },
      { file: 'pr/extra.v1.md', text: '---\nid: extra\nversion: 1\ndescription: d\ntone: dry\n---\nX\n' },
      { file: 'pr/bare.v1.md', text: 'no front matter\n' },
    ]);
    assert.deepEqual(r.findings.map(brief), ['pr/summary.v2.md:2:5 prompt-name id', 'pr/extra.v1.md:5:1 unknown-field tone', 'pr/bare.v1.md:1:1 yaml-syntax ']);
    assert.deepEqual([...r.ids].sort(), ['diagnose', 'summary']);
  });

  it('reads approvers as MEDIC_APPROVERS lists them, and refuses a name given twice', () => {
    const r = checkApprovers({ file: 'approvers.yaml', text: '- { name: alice, groups: [data-oncall] }\n- { name: alice, groups: [ops] }\n- { name: bob, groups: data-oncall }\n' });
    assert.deepEqual(r.findings.map(brief), ['approvers.yaml:3:24 wrong-type 2.groups', 'approvers.yaml:2:11 duplicate-id 1.name']);
    assert.deepEqual(r.approvers.map((a) => a.name), ['alice', 'alice']);
  });
});

describe('medic check: across files', () => {
  const policies = checkPolicies([{ file: 'gated.yaml', text: GATED }], []).policies;
  const known = (over: Partial<DefinedNames> = {}): DefinedNames => ({
    services: ['finance-close'], prompts: new Set(['diagnose']),
    approvers: { approvers: [{ name: 'alice', groups: ['data-oncall'] }, { name: 'bob', groups: ['data-oncall'] }], from: { kind: 'file', file: 'approvers.yaml' } },
    ...over,
  });

  it('names the services, approver groups and prompts a policy asks for that do not exist, and a gate no one can open', () => {
    const findings = checkReferences(policies, known());
    assert.deepEqual(findings.map(brief), [
      'gated.yaml:4:40 unknown-service policies.0.match.services.1',
      'gated.yaml:6:53 unknown-approver-group policies.0.approval.groups.1',
      'gated.yaml:10:15 gated-without-approvers policies.1.approval',
      'gated.yaml:13:39 unknown-prompt policies.2.action.agent',
    ]);
    assert.match(findings[2]?.message ?? '', /needs 3 approvers, and there are only 2 approvers in data-oncall/);
  });

  it('says every gate is shut when no approvers are configured, and skips what the repository does not define', () => {
    const findings = checkReferences(policies, known({ services: null, prompts: null, approvers: { approvers: [], from: { kind: 'none' } } }));
    assert.deepEqual(findings.map(brief), ['gated.yaml:6:15 gated-without-approvers policies.0.approval', 'gated.yaml:10:15 gated-without-approvers policies.1.approval']);
    assert.match(findings[0]?.message ?? '', /MEDIC_APPROVERS lists none/);
  });
});
