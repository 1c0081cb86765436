import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCaseFiles } from '../../src/policies/case-files.ts';
import { runCases } from '../../src/policies/case-runner.ts';
import { checkFolder } from '../../src/policies/check.ts';
import { loadPolicySet } from '../../src/policies/load.ts';
import { classSimilarity, offlineSignature } from '../../src/policies/offline.ts';
import { POLICIES_DIR } from '../../src/runtime.ts';
import { createHashingEmbedder } from '../../src/signatures/embedder.ts';

const embedder = createHashingEmbedder(256);

const POLICIES = `classes:
  - {name: network, examples: ["java.net.SocketTimeoutException: Read timed out"]}
policies:
  - id: retry-network
    description: Retry network trouble.
    priority: 10
    match: {signature: {similar_to: {class: network, min_similarity: 0.9}}}
    action: {kind: retry, delay_s: 30}
    guardrails: {breaker: {failures: 3, within_minutes: 10}}
  - {id: people, description: People decide., action: {kind: notify}}
`;

async function set() {
  const loaded = await loadPolicySet([{ name: 'p.yaml', text: POLICIES }], embedder);
  assert.equal(loaded.kind, 'ok');
  return loaded.kind === 'ok' ? loaded.set : (undefined as never);
}

const known = { policies: ['retry-network', 'people'], classes: ['network'] };

describe('policy test cases', () => {
  it('passes every case kept beside the shipped policies', async () => {
    const folder = await checkFolder(POLICIES_DIR, embedder);
    assert.equal(folder.kind, 'ok', folder.kind === 'invalid' ? JSON.stringify(folder.issues) : '');
    if (folder.kind !== 'ok') return;
    const results = await runCases(folder.set, folder.cases, embedder);
    assert.ok(results.length >= 20);
    assert.deepEqual(results.filter((r) => !r.passed).map((r) => [r.name, r.differences]), []);
  });

  it('covers every shipped policy with a case that expects it', async () => {
    const folder = await checkFolder(POLICIES_DIR, embedder);
    if (folder.kind !== 'ok') return assert.fail('the shipped policies are invalid');
    const named = new Set(folder.cases.flatMap(({ case: c }) => [c.expect.policy_id ?? '', ...(c.expect.shadow ?? [])]));
    assert.deepEqual(folder.set.policies.map((p) => p.id).filter((id) => !named.has(id)), []);
  });

  it('says what was expected and what was decided when a case fails', async () => {
    const parsed = parseCaseFiles([{ name: 'c.test.yaml', text: `cases:
  - name: passes
    input: {kind: failure, job: a/b, error: {message: "java.net.SocketTimeoutException: Read timed out"}}
    expect: {action: retry, policy_id: retry-network, delay_s: 30}
  - name: fails
    input: {kind: failure, job: a/b, error: {message: "java.net.SocketTimeoutException: Read timed out"}}
    expect: {action: notify, delay_s: 30, reason_matches: "storm"}
` }], known);
    assert.equal(parsed.kind, 'ok');
    const results = await runCases(await set(), parsed.kind === 'ok' ? parsed.cases : [], embedder);
    assert.deepEqual(results.map((r) => [r.name, r.passed, r.line]), [['passes', true, 2], ['fails', false, 5]]);
    assert.deepEqual(results[1]?.differences.map((d) => [d.field, d.expected, d.decided]), [
      ['action', 'notify', 'retry'],
      ['reason_matches', '/storm/i', 'retry-network: Retry network trouble.'],
    ]);
  });

  it('builds the storm breaker\'s counter from recent failures given as a count or as minutes ago', async () => {
    const parsed = parseCaseFiles([{ name: 'c.test.yaml', text: `cases:
  - name: a storm
    input: {kind: failure, job: a/b, error: {message: "java.net.SocketTimeoutException: Read timed out"}}
    given: {recent_failures: 2}
    expect: {action: hold_downstream, guardrail: breaker, proposed: retry}
  - name: two failures, one of them too old to count
    input: {kind: failure, job: a/b, error: {message: "java.net.SocketTimeoutException: Read timed out"}}
    given: {recent_failures: [2, 30]}
    expect: {action: retry, guardrail: null}
` }], known);
    const results = await runCases(await set(), parsed.kind === 'ok' ? parsed.cases : [], embedder);
    assert.deepEqual(results.map((r) => r.passed), [true, true], JSON.stringify(results.map((r) => r.differences)));
  });

  it('refuses a malformed case file with the line, column and field of each fault', () => {
    const parsed = parseCaseFiles([{ name: 'bad.test.yaml', text: `cases:
  - name: no message
    input: {kind: failure, job: a/b, error: {}}
    expect: {action: retri}
  - name: checks on a failure
    input: {kind: failure, job: a/b, error: {message: x}}
    given: {checks: [{kind: upstream, job: a/c, verdict: failed}]}
    expect: {}
` }], known);
    assert.equal(parsed.kind, 'invalid');
    const issues = parsed.kind === 'invalid' ? parsed.issues : [];
    assert.deepEqual(issues.map((i) => [i.path.join('.'), i.line]).sort(), [
      ['cases.0.expect.action', 4], ['cases.0.input.error.message', 3], ['cases.1.expect', 8], ['cases.1.given.checks', 7],
    ]);
    assert.ok(issues.every((i) => i.file === 'bad.test.yaml' && i.column > 0));
  });

  it('refuses policies and classes the set does not have, and a case name used twice', () => {
    const parsed = parseCaseFiles([{ name: 'typo.test.yaml', text: `cases:
  - name: same
    input: {kind: failure, job: a/b, error: {message: x}}
    given: {classes: {netwrok: 0.9}, budget_used: {retry-netwrok: 1}}
    expect: {policy_id: retry-netwrok}
  - name: same
    input: {kind: preflight, job: a/b}
    expect: {action: go}
` }], known);
    assert.equal(parsed.kind, 'invalid');
    assert.deepEqual((parsed.kind === 'invalid' ? parsed.issues : []).map((i) => `${i.line} ${i.path.join('.')}: ${i.message}`), [
      '5 cases.0.expect.policy_id: no policy with id "retry-netwrok"',
      '4 cases.0.given.budget_used.retry-netwrok: no policy with id "retry-netwrok"',
      '4 cases.0.given.classes.netwrok: no incident class named "netwrok"',
      '6 cases.1.name: another case is named "same"',
    ]);
  });

  it('derives a case\'s signature as the endpoint derives an unseen one, and finds a class example its own best match', async () => {
    const sig = await offlineSignature('psycopg2.OperationalError: could not connect to server: Connection refused\n\tIs the server running on host "10.2.0.7"?', null);
    assert.equal(sig.template, 'psycopg2.OperationalError: could not connect to server: Connection refused');
    assert.match(sig.clusterId, /^unseen:/);
    const s = await set();
    const [vector] = await embedder.embed([(await offlineSignature('java.net.SocketTimeoutException: Read timed out', null)).embeddingText]);
    assert.ok((classSimilarity(s.classVectors, vector ?? []).network ?? 0) > 0.999);
  });
});
