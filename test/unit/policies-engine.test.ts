import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FailureContext, PreflightContext, ServiceContext } from '../../src/decide/context.ts';
import { DecisionInput } from '../../src/decide/schema.ts';
import { evaluate } from '../../src/policies/engine.ts';
import { parsePolicySet } from '../../src/policies/load.ts';
import type { Policy } from '../../src/policies/schema.ts';

const MIN = 60_000;
const now = new Date('2026-11-24T04:00:00Z'); // a Tuesday, 05:00 in Berlin

function policies(yaml: string): Policy[] {
  const parsed = parsePolicySet([{ name: 'test.yaml', text: yaml }]);
  assert.equal(parsed.kind, 'ok', parsed.kind === 'invalid' ? JSON.stringify(parsed.issues) : '');
  return parsed.kind === 'ok' ? parsed.policies : [];
}

const input = (over: Record<string, unknown> = {}) => DecisionInput.parse({
  kind: 'failure', source: 'airflow-prod', job: 'airflow-prod/finance_close.load_dw', attempt: 1,
  error: { message: 'could not connect to server: Connection refused' }, ...over,
});

function ctx(over: Partial<FailureContext> = {}): FailureContext {
  return {
    kind: 'failure', now, classes: {}, similar: [], fixes: [], services: [], recentFailures: [], budgetUsed: {}, jobMedianMs: 20 * MIN,
    signature: { id: 7, fingerprint: 'fp-7', template: 'could not connect to server: Connection refused', exceptionType: 'psycopg2.OperationalError', known: true },
    ...over,
  };
}

const one = (action: string, extra = '') => policies(`policies:\n  - id: p\n    description: d\n    action: ${action}\n${extra}`);

describe('the policy engine', () => {
  it('decides every failure action kind, gating the destructive ones', () => {
    const cases: [string, string, boolean][] = [
      ['{kind: retry, delay_s: 30}', '', false],
      ['{kind: rerun, from_task: extract}', '    approval: {kind: one_of, groups: [data-oncall]}', true],
      ['{kind: hold_downstream}', '', false],
      ['{kind: skip, mark: success}', '    approval: {kind: quorum, groups: [finance], count: 2}', true],
      ['{kind: extend_deadline, minutes: 30}', '    approval: {kind: one_of, groups: [sla-owners]}', true],
      ['{kind: notify, page: true}', '', false],
      ['{kind: run_agent}', '', false],
      ['{kind: webhook, url: "https://hooks.example/medic"}', '    approval: {kind: one_of, groups: [ops]}', true],
    ];
    for (const [action, approval, gated] of cases) {
      const d = evaluate(one(action, approval), input(), ctx());
      assert.equal(d.policyId, 'p');
      assert.equal(d.action.kind, /kind: (\w+)/.exec(action)?.[1]);
      assert.equal(d.requiresApproval, gated, action);
    }
    assert.equal(evaluate(one('{kind: retry, delay_s: 30}'), input(), ctx()).delayS, 30);
  });

  it('decides the preflight action kinds', () => {
    const pre: PreflightContext = { kind: 'preflight', now, services: [], checks: [], budgetUsed: {} };
    const i = DecisionInput.parse({ kind: 'preflight', job: 'a/b' });
    assert.equal(evaluate(policies('policies:\n  - {id: p, description: d, on: preflight, action: {kind: go}}'), i, pre).action.kind, 'go');
    assert.equal(evaluate(policies('policies:\n  - {id: p, description: d, on: preflight, action: {kind: hold}}'), i, pre).action.kind, 'hold');
  });

  it('refuses a destructive action without an approval, and an action that does not fit the input kind', () => {
    const r = parsePolicySet([{ name: 'bad.yaml', text: 'policies:\n  - id: p\n    description: d\n    action: {kind: skip}\n  - {id: q, description: d, on: preflight, action: {kind: retry}}\n' }]);
    assert.equal(r.kind, 'invalid');
    const issues = r.kind === 'invalid' ? r.issues : [];
    assert.deepEqual(issues.map((i) => [i.path.join('.'), i.line]), [['policies.0.approval', 2], ['policies.1.action.kind', 5]]);
    assert.match(issues[0]?.message ?? '', /must be gated/);
  });

  it('keeps approval requirements as the policy states them', () => {
    const d = evaluate(one('{kind: rerun}', '    approval: {kind: quorum, groups: [data-oncall, finance], count: 2}'), input(), ctx());
    assert.deepEqual(d.approval, { kind: 'quorum', groups: ['data-oncall', 'finance'], count: 2, separation_of_duties: true });
  });

  it('takes the first match by priority and explains why the others did not match', () => {
    const set = policies(`policies:
  - {id: low, description: d, priority: 1, action: {kind: notify}}
  - {id: jobs, description: d, priority: 50, match: {jobs: ["argo-ml/*"]}, action: {kind: retry}}
  - {id: tries, description: d, priority: 40, match: {attempt: {min: 3}}, action: {kind: notify, page: true}}
  - {id: hit, description: d, priority: 30, match: {signature: {template: "connection refused", exception: ["psycopg2.*"]}}, action: {kind: retry, delay_s: 10}}
`);
    const d = evaluate(set, input(), ctx());
    assert.equal(d.policyId, 'hit');
    assert.deepEqual(d.explanation.map((e) => [e.policy_id, e.matched]), [['jobs', false], ['tries', false], ['hit', true], ['low', false]]);
    assert.match(d.explanation[0]?.because ?? '', /matches none of argo-ml\/\*/);
    assert.match(d.explanation[1]?.because ?? '', /attempt 1 is before 3/);
    assert.match(d.explanation[3]?.because ?? '', /not reached: hit matched first/);
  });

  it('stops retrying past the policy\'s attempts and falls through to the next policy', () => {
    const set = policies('policies:\n  - {id: r, description: d, priority: 2, action: {kind: retry, max_attempts: 2}}\n  - {id: n, description: d, action: {kind: notify}}\n');
    assert.equal(evaluate(set, input({ attempt: 2 }), ctx()).policyId, 'r');
    const d = evaluate(set, input({ attempt: 3 }), ctx());
    assert.equal(d.policyId, 'n');
    assert.match(d.explanation[0]?.because ?? '', /past the policy's 2 retries/);
  });

  it('matches by similarity to a named incident class and by the success rate of an action', () => {
    const set = policies(`classes:
  - {name: network, examples: ["connection refused"]}
policies:
  - {id: similar, description: d, match: {signature: {similar_to: {class: network, min_similarity: 0.8}}, success_rate: {action: retry, at_least: 0.7, min_attempts: 5}}, action: {kind: retry}}
`);
    const fixes = (successes: number, attempts: number) => [{ action: 'retry', detail: null, successes, attempts, median_ttr_ms: 600_000, summary: '' }];
    assert.equal(evaluate(set, input(), ctx({ classes: { network: 0.9 }, fixes: fixes(9, 10) })).policyId, 'similar');
    assert.match(evaluate(set, input(), ctx({ classes: { network: 0.6 }, fixes: fixes(9, 10) })).explanation[0]?.because ?? '', /similarity to class network is 0.60/);
    assert.match(evaluate(set, input(), ctx({ classes: { network: 0.9 }, fixes: fixes(3, 10) })).explanation[0]?.because ?? '', /retry succeeded 30 %/);
    assert.match(evaluate(set, input(), ctx({ classes: { network: 0.9 }, fixes: fixes(2, 2) })).explanation[0]?.because ?? '', /fewer than 5/);
  });

  it('applies within its time windows only, on the window\'s own clock', () => {
    const set = policies('policies:\n  - {id: night, description: d, match: {when: [{days: [mon, tue, wed, thu, fri], from: "22:00", to: "06:00", timeZone: Europe/Berlin}]}, action: {kind: retry}}\n');
    assert.equal(evaluate(set, input(), ctx()).policyId, 'night'); // Tuesday 05:00 Berlin: Monday night's window
    assert.equal(evaluate(set, input(), ctx({ now: new Date('2026-11-24T12:00:00Z') })).policyId, null);
  });

  it('holds downstream instead of retrying in a failure storm', () => {
    const set = policies('policies:\n  - {id: r, description: d, action: {kind: retry}, guardrails: {breaker: {failures: 5, within_minutes: 15}}}\n');
    const recent = [1, 2, 3, 4].map((k) => now.getTime() - k * MIN);
    const d = evaluate(set, input(), ctx({ recentFailures: recent }));
    assert.equal(d.action.kind, 'hold_downstream');
    assert.equal(d.proposed?.kind, 'retry');
    assert.equal(d.guardrail?.kind, 'breaker');
    assert.match(d.reason, /5 failures of this signature in 15 min/);
    // Failures older than the window do not count.
    assert.equal(evaluate(set, input(), ctx({ recentFailures: recent.map((t) => t - 30 * MIN) })).action.kind, 'retry');
  });

  it('escalates once a policy\'s budget is spent', () => {
    const set = policies('policies:\n  - {id: r, description: d, action: {kind: retry}, guardrails: {budget: {max: 3, per: job, window_minutes: 60}}}\n');
    assert.equal(evaluate(set, input(), ctx({ budgetUsed: { r: 2 } })).action.kind, 'retry');
    const d = evaluate(set, input(), ctx({ budgetUsed: { r: 3 } }));
    assert.equal(d.action.kind, 'notify');
    assert.equal(d.guardrail?.kind, 'budget');
    assert.equal(d.budgetKey, 'job:airflow-prod/finance_close.load_dw');
  });

  it('does nothing automatically inside a maintenance window', () => {
    const set = policies('policies:\n  - {id: r, description: d, action: {kind: retry}, guardrails: {maintenance: [{from: "04:00", to: "06:00", timeZone: Europe/Berlin}]}}\n');
    const d = evaluate(set, input(), ctx());
    assert.equal(d.action.kind, 'notify');
    assert.equal(d.guardrail?.kind, 'maintenance');
  });

  it('escalates a retry that would push the service or one downstream past its deadline, and says so', () => {
    const set = policies('policies:\n  - {id: r, description: d, action: {kind: retry, delay_s: 300}}\n');
    const service = (deadline: string, downstream: { service: string; deadline: Date | null; medianLagMs: number | null }[] = []): ServiceContext => ({
      name: 'finance-close', title: null, criticality: 'critical',
      forecast: {
        at: now, instanceKey: 'today', deadline: new Date(deadline), pBreach: 0.2, slackMs: 20 * MIN,
        etaP50: new Date('2026-11-24T04:50:00Z'), jobEnd: new Date('2026-11-24T04:20:00Z'), downstream,
      },
    });
    // Retry: 5 min delay + 20 min run / (1/2 chance with no history) = 45 min → 04:45; the rest of the service takes 30 min → 05:15.
    const late = evaluate(set, input(), ctx({ services: [service('2026-11-24T05:00:00Z')] }));
    assert.equal(late.action.kind, 'notify');
    assert.equal(late.guardrail?.kind, 'sla');
    assert.match(late.reason, /finance-close would finish around 05:15 UTC, after its deadline 05:00 UTC/);
    assert.equal(evaluate(set, input(), ctx({ services: [service('2026-11-24T05:30:00Z')] })).action.kind, 'retry');
    // A good track record makes the retry cheaper: 9 of 10 → 5 + 20/0.83 = 29 min → 04:29 + 30 = 04:59.
    const fixes = [{ action: 'retry', detail: null, successes: 9, attempts: 10, median_ttr_ms: null, summary: '' }];
    assert.equal(evaluate(set, input(), ctx({ fixes, services: [service('2026-11-24T05:00:00Z')] })).action.kind, 'retry');
    // The service makes it, but the dashboard after it (15 min) would not.
    const downstream = evaluate(set, input(), ctx({ services: [service('2026-11-24T05:30:00Z', [{ service: 'finance-dashboard', deadline: new Date('2026-11-24T05:25:00Z'), medianLagMs: 15 * MIN }])] }));
    assert.equal(downstream.guardrail?.kind === 'sla' ? downstream.guardrail.service : '', 'finance-dashboard');
  });

  it('reports a matching shadow policy beside the real decision without acting on it', () => {
    const set = policies('policies:\n  - {id: s, description: would skip, priority: 9, mode: shadow, action: {kind: skip}, approval: {kind: one_of, groups: [x]}}\n  - {id: r, description: d, action: {kind: retry}}\n');
    const d = evaluate(set, input(), ctx());
    assert.equal(d.policyId, 'r');
    assert.deepEqual(d.shadow.map((s) => [s.policy_id, s.action.kind]), [['s', 'skip']]);
  });

  it('sends a failure no policy matches to people, and lets a preflight go or hold on its checks', () => {
    assert.equal(evaluate([], input(), ctx()).action.kind, 'notify');
    const short = { kind: 'input' as const, dataset: 'dw/ledger', verdict: 'short' as const, rowCount: 10, median: 1000, z: -20, history: 20, detail: 'dw/ledger holds 10 rows' };
    const i = DecisionInput.parse({ kind: 'preflight', job: 'a/b' });
    assert.equal(evaluate([], i, { kind: 'preflight', now, services: [], checks: [short], budgetUsed: {} }).action.kind, 'hold');
    assert.equal(evaluate([], i, { kind: 'preflight', now, services: [], checks: [{ ...short, verdict: 'ok' }], budgetUsed: {} }).action.kind, 'go');
  });
});
