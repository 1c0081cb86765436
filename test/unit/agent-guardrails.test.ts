import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { budgetOf, overBudget } from '../../src/agent/budget.ts';
import { parsePrompts } from '../../src/agent/prompts.ts';
import { NO_USE, type Option } from '../../src/agent/schema.ts';
import { mayUse } from '../../src/agent/tools.ts';

const retry: Option = { action: { kind: 'retry', delay_s: 0, max_attempts: 3 }, policyId: 'p', approval: { kind: 'none' }, gated: false };
const rerun: Option = { action: { kind: 'rerun', delay_s: 0, include_downstream: true }, policyId: 'q', approval: { kind: 'one_of', groups: ['ops'], separation_of_duties: true }, gated: true };

describe('the tool guard', () => {
  it('lets each step use only the tools on its allowlist', () => {
    const none = { proposal: null, approval: null };
    assert.equal(mayUse('gather', 'log_excerpt', none).kind, 'allowed');
    assert.equal(mayUse('tools', 'forecast', none).kind, 'allowed');
    assert.match((mayUse('tools', 'act', none) as { reason: string }).reason, /not on the allowlist of the tools step/);
    assert.match((mayUse('tools', 'mark_success', none) as { reason: string }).reason, /is not a Medic tool/);
    assert.equal(mayUse('propose', 'run_history', none).kind, 'refused');
  });

  it('allows the act tool only for a proposal, and only once approved when gated', () => {
    assert.equal(mayUse('act', 'act', { proposal: null, approval: null }).kind, 'refused');
    assert.equal(mayUse('act', 'act', { proposal: { option: retry, by: 'planner', rationale: '' }, approval: null }).kind, 'allowed');
    const gated = { option: rerun, by: 'planner', rationale: '' };
    assert.match((mayUse('act', 'act', { proposal: gated, approval: { id: 3, status: 'pending' } }) as { reason: string }).reason, /read tools only until the proposal is approved/);
    assert.equal(mayUse('act', 'act', { proposal: gated, approval: { id: 3, status: 'approved' } }).kind, 'allowed');
  });
});

describe('the budgets of a run', () => {
  const limits = { maxSteps: 8, maxTokens: 1_000, maxWallMs: 300_000 };

  it('keeps the configured wall time when the SLA leaves more', () => {
    assert.deepEqual(budgetOf(limits, { services: [{ name: 'close', criticality: 'high', deadline: null, p_breach: 0.1, slack_min: 120, downstream: [] }], job_median_min: 20 }).wallMs, 300_000);
  });

  it('cuts the wall time to the slack less the time a recovery needs', () => {
    const b = budgetOf(limits, { services: [{ name: 'close', criticality: 'high', deadline: null, p_breach: 0.4, slack_min: 22, downstream: [] }], job_median_min: 20 });
    assert.equal(b.wallMs, 120_000);
    assert.equal(b.wallReason, "cut to close's slack of 22 min less the 20 min a recovery needs");
  });

  it('leaves no time to think when the recovery alone would breach', () => {
    assert.equal(budgetOf(limits, { services: [{ name: 'close', criticality: 'high', deadline: null, p_breach: 0.9, slack_min: 5, downstream: [] }], job_median_min: 20 }).wallMs, 0);
  });

  it('stops at the first budget spent: steps, tokens, then wall time', () => {
    const b = budgetOf(limits, null);
    assert.equal(overBudget(b, { ...NO_USE, steps: 7 }, 0), null);
    assert.match(overBudget(b, { ...NO_USE, steps: 7 }, 0, 2) ?? '', /^step budget: 7 of 8 steps taken, 2 more asked/);
    assert.match(overBudget(b, { ...NO_USE, tokens: 1_001 }, 0) ?? '', /^token budget/);
    assert.match(overBudget(b, NO_USE, 300_001) ?? '', /^wall-time budget/);
  });
});

describe('prompts as data', () => {
  const file = (name: string, head: string, body = 'You diagnose.') => ({ name, text: `---\n${head}\n---\n${body}\n` });

  it('loads the highest version of each prompt, with its version', () => {
    const set = parsePrompts([file('diagnose.v1.md', 'id: diagnose\nversion: 1\ndescription: one'), file('diagnose.v2.md', 'id: diagnose\nversion: 2\ndescription: two')]);
    assert.equal(set.get('diagnose')?.version, 2);
  });

  it('refuses a prompt whose name and front matter disagree, or without front matter', () => {
    assert.throws(() => parsePrompts([file('diagnose.v1.md', 'id: diagnose\nversion: 3\ndescription: x')]), /must be named diagnose\.v3\.md/);
    assert.throws(() => parsePrompts([{ name: 'x.v1.md', text: 'no front matter' }]), /front matter/);
    assert.throws(() => parsePrompts([file('diagnose.v1.md', 'id: diagnose\ndescription: x')]), /version/);
  });
});
