import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderDiffMarkdown, renderDiffText } from '../../src/cli/policies-diff-render.ts';
import type { StoredFailure } from '../../src/policies/backtest-sql.ts';
import { cannotCompare } from '../../src/policies/diff-checks.ts';
import { COUNTER_NAMES } from '../../src/policies/diff-counters.ts';
import { PolicyDiff } from '../../src/policies/diff-schema.ts';
import { diffRevisions, type Revision } from '../../src/policies/diff.ts';
import { checkGates, parseGate, type Gate } from '../../src/policies/fail-if.ts';
import { caseKey, type Aftermath, type ReplayHistory } from '../../src/policies/history.ts';
import { loadPolicySet } from '../../src/policies/load.ts';
import { createHashingEmbedder } from '../../src/signatures/embedder.ts';

const MIN = 60_000;
const t0 = Date.UTC(2026, 10, 2, 1, 0);
const byOrchestrator = { action: 'retry', actor: 'orchestrator', outcome: 'success', resolved_at: '' };
const nextRun = { action: 'next_run', actor: 'orchestrator', outcome: 'success', resolved_at: '' };

const REFUSED = { template: 'Connection to warehouse <*> refused', fingerprint: 'fp-1', signature_id: 1 };
const NOT_OK = { template: 'job PAYROLL/PAY_<*> ended with status "<*>" | agent <*>', fingerprint: 'fp-2', signature_id: 2 };
const PARTIAL = { template: 'reconcile found <*> rows, expected <*>: partial input', fingerprint: 'fp-3', signature_id: 3 };
const OOM = { template: 'OOMKilled (exit code <*>)', fingerprint: 'fp-4', signature_id: 4 };

function failure(minute: number, over: Partial<StoredFailure>): StoredFailure {
  return {
    run_id: minute, attempt: 1, failed_at: new Date(t0 + minute * MIN), incident_id: minute, namespace: 'etl', name: 'load', source: 'airflow-prod',
    orchestrator: 'airflow', run_key: `r${minute}`, error_message: 'failed', error_detail: null, exception_type: null, embedding: null,
    signature_first_seen_at: new Date(t0), run_recovered: true, resolution: byOrchestrator, ...REFUSED, ...over,
  };
}

function history(failures: StoredFailure[], after: [StoredFailure, Partial<Aftermath>][] = []): ReplayHistory {
  return {
    origin: 'test.ndjson', from: new Date(t0), until: new Date(t0 + 1_000 * MIN), failures, anonymised: false, jobNamesAnonymised: false, embedder: null, jobs: null,
    history: { near: new Map(), resolutions: [], services: new Map() },
    after: new Map(after.map(([f, a]) => [caseKey(f), { next_attempt: null, sla_missed: null, ...a }])),
  };
}

async function revision(label: string, yaml: string): Promise<Revision> {
  const loaded = await loadPolicySet([{ name: 'p.yaml', text: yaml }], createHashingEmbedder(64));
  assert.equal(loaded.kind, 'ok', loaded.kind === 'invalid' ? JSON.stringify(loaded.issues) : '');
  return { label, set: loaded.kind === 'ok' ? loaded.set : (undefined as never) };
}

const COMMON = `
  - {id: refused-retry, description: Retry., priority: 100, match: {signature: {template: refused}}, action: {kind: retry}}
  - {id: people, description: People decide., priority: -1, action: {kind: notify}}`;
const BASE = `policies:${COMMON}
  - {id: partial-rerun, description: Rerun., priority: 80, match: {signature: {template: partial}}, action: {kind: rerun}, approval: {kind: one_of, groups: [data]}}
  - {id: oom-agent, description: Diagnose., priority: 5, match: {signature: {template: oomkilled}}, action: {kind: run_agent}}
`;
const HEAD = `policies:${COMMON}
  - {id: partial-retry, description: Retry partial input., priority: 80, match: {signature: {template: partial}}, action: {kind: retry}}
  - {id: oom-retry, description: Retry OOM., priority: 5, match: {signature: {template: oomkilled}}, action: {kind: retry}}
  - {id: ctm-retry, description: Retry Control-M., priority: 1, match: {orchestrators: [controlm]}, action: {kind: retry, max_attempts: 1}}
`;

// A refused connection both retry; a Control-M job that stayed failed until the next night, with
// its next attempt failing too; partial input people reran; an OOM kill the orchestrator's retry fixed.
const ctm = failure(10, { ...NOT_OK, namespace: 'ctm', name: 'PAYROLL/PAY_TRANSFER', orchestrator: 'controlm', run_recovered: false, resolution: nextRun });
const partial = failure(20, { ...PARTIAL, name: 'reconcile', run_recovered: false, resolution: { action: 'rerun', actor: 'ana', outcome: 'success', resolved_at: '' } });
const oom = failure(30, { ...OOM, namespace: 'ml', name: 'train' });
const FAILURES = [failure(0, {}), ctm, partial, oom];
const HISTORY = history(FAILURES, [[ctm, { next_attempt: 'failed', sla_missed: true }], [oom, { next_attempt: 'completed' }]]);

describe('the policy diff', () => {
  it('counts, decision by decision, what the head changes and what history says of it', async () => {
    const d = diffRevisions(await revision('base', BASE), await revision('head', HEAD), HISTORY, new Date(t0));
    assert.equal(d.history.cases, 4);
    assert.deepEqual(d.changes.map((c) => [c.job, c.base.action, c.head.action]), [
      ['ctm/PAYROLL/PAY_TRANSFER', 'notify', 'retry'], ['etl/reconcile', 'rerun', 'retry'], ['ml/train', 'run_agent', 'retry'],
    ]);
    const nonzero = Object.fromEntries(Object.entries(d.counters).filter(([, n]) => n > 0));
    assert.deepEqual(nonzero, {
      changed: 3, actions_changed: 3, retries_added: 3, unrecoverable_retries: 2, approvals_removed: 1, approvals_removed_on_destructive: 1,
      escalations_removed_on_breach: 1, right_to_wrong: 2, wrong_to_right: 1,
    });
    assert.deepEqual(d.transitions.map((t) => `${t.from}→${t.to}×${t.count}`), ['notify→retry×1', 'rerun→retry×1', 'run_agent→retry×1']);
    assert.deepEqual(d.policies, { added: ['ctm-retry', 'oom-retry', 'partial-retry'], removed: ['oom-agent', 'partial-rerun'], changed: [], unchanged: 2, classes: { added: [], removed: [], changed: [] } });
    assert.equal(d.examples[0]?.job, 'ctm/PAYROLL/PAY_TRANSFER', 'a retry that would have failed again comes first');
    assert.deepEqual([d.base.approvals, d.head.approvals], [1, 0]);
  });

  it('brings people in needlessly when the head escalates what recovered by itself', async () => {
    const d = diffRevisions(await revision('head', HEAD), await revision('base', BASE), HISTORY, new Date(t0));
    assert.equal(d.counters.needless_escalations, 1);
    assert.equal(d.counters.approvals_added, 1);
    assert.equal(d.counters.destructive_added, 1);
    assert.equal(d.counters.unrecoverable_retries, 0);
  });

  it('reports no change between a revision and itself, and matches its documented shape', async () => {
    const base = await revision('base', BASE);
    const d = diffRevisions(base, base, HISTORY, new Date(t0));
    assert.equal(d.changes.length, 0);
    assert.ok(COUNTER_NAMES.every((n) => d.counters[n] === 0));
    PolicyDiff.parse(JSON.parse(JSON.stringify(d)));
    PolicyDiff.parse(JSON.parse(JSON.stringify(diffRevisions(base, await revision('head', HEAD), HISTORY, new Date(t0)))));
  });

  it('says it cannot compare over an empty window, or when the change reaches no job of the history', async () => {
    const base = await revision('base', BASE);
    const head = await revision('head', HEAD);
    assert.equal(cannotCompare(base.set, head.set, HISTORY, new Date(t0)), undefined);
    assert.match(cannotCompare(base.set, head.set, HISTORY, new Date(t0 + 500 * MIN)) ?? '', /^no failures in test\.ndjson since 2026-11-02 09:20 UTC; it holds 4 from/);
    assert.match(cannotCompare(base.set, head.set, history([]), new Date(t0)) ?? '', /no failures in test\.ndjson/);
    const scoped = await revision('scoped', `policies:${COMMON}\n  - {id: payments-retry, description: R., match: {jobs: ["payments/*"]}, action: {kind: retry}}\n`);
    const plain = await revision('plain', `policies:${COMMON}`);
    assert.match(cannotCompare(plain.set, scoped.set, HISTORY, new Date(t0)) ?? '', /apply only to jobs or sources this history never saw: payments-retry \(payments\/\*\)\. Its 4 jobs: ctm\/PAYROLL\/PAY_TRANSFER, etl\/load/);
    const reached = await revision('reached', `policies:${COMMON}\n  - {id: ml-retry, description: R., match: {jobs: ["ml/*"]}, action: {kind: retry}}\n`);
    assert.equal(cannotCompare(plain.set, reached.set, HISTORY, new Date(t0)), undefined);
  });
});

describe('--fail-if', () => {
  it('reads COUNTER OP NUMBER and trips when the condition holds', () => {
    const gates = ['unrecoverable_retries>0', 'approvals_removed_on_destructive >= 2', 'changed=3', 'wrong_to_right != 1'].map((e) => {
      const g = parseGate(e);
      assert.equal(g.kind, 'ok', e);
      return (g as { gate: Gate }).gate;
    });
    assert.deepEqual(gates.map((g) => [g.counter, g.op, g.value]), [['unrecoverable_retries', '>', 0], ['approvals_removed_on_destructive', '>=', 2], ['changed', '==', 3], ['wrong_to_right', '!=', 1]]);
    const counters = Object.fromEntries(COUNTER_NAMES.map((n) => [n, 0])) as Record<(typeof COUNTER_NAMES)[number], number>;
    Object.assign(counters, { unrecoverable_retries: 2, approvals_removed_on_destructive: 1, changed: 3, wrong_to_right: 1 });
    assert.deepEqual(checkGates(gates, counters).map((r) => [r.actual, r.tripped]), [[2, true], [1, false], [3, true], [1, false]]);
  });

  it('refuses an unknown counter, listing the known ones, and a malformed threshold', () => {
    const unknown = parseGate('retries_that_failed>0');
    assert.equal(unknown.kind, 'invalid');
    assert.match(unknown.kind === 'invalid' ? unknown.message : '', /no counter named retries_that_failed; the counters are changed, actions_changed, .*unrecoverable_retries.*wrong_to_right$/);
    for (const bad of ['unrecoverable_retries', '>0', 'changed > many', 'changed => 1']) assert.equal(parseGate(bad).kind, 'invalid', bad);
  });
});

describe('the diff as people read it', () => {
  it('renders Markdown for a pull request: a verdict, tables, examples folded, cells escaped', async () => {
    const d = diffRevisions(await revision('origin/main:policies', BASE), await revision('policies', HEAD), HISTORY, new Date(t0));
    d.gates = checkGates([{ expression: 'unrecoverable_retries>0', counter: 'unrecoverable_retries', op: '>', value: 0 }], d.counters);
    const md = renderDiffMarkdown(d);
    assert.match(md, /^### Medic: what would this policy change have done\?\n\n\*\*3 of 4 decisions change\*\*/);
    assert.match(md, /:x: \*\*Failed:\*\* `unrecoverable_retries>0` \(unrecoverable_retries is 2\)/);
    assert.match(md, /\| \| base \| head \|\n\| --- \| ---: \| ---: \|\n/);
    assert.match(md, /\| `unrecoverable_retries` \| 2 \| added retries of runs that did not recover/);
    assert.match(md, /<details><summary>3 of 3 changed decisions<\/summary>/);
    assert.ok(md.includes('`job PAYROLL/PAY_<*> ended with status "<*>" \\| agent <*>`'), 'a pipe in a template is escaped inside its code span');
    for (const row of md.split('\n').filter((l) => l.startsWith('| 2026'))) assert.equal(row.split(/(?<!\\)\|/).length, 8, row);
    const text = renderDiffText(d);
    assert.match(text, /^Policy diff: origin\/main:policies \(revision [0-9a-f]{12}\) → policies/);
    assert.match(text, /then: the next attempt failed too; the run never recovered; a later run did; a service missed its deadline/);
    assert.match(text, /✗ unrecoverable_retries>0: unrecoverable_retries is 2 — tripped/);
  });
});
