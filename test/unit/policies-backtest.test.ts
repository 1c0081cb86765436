import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSince, renderBacktest } from '../../src/cli/policies-backtest.ts';
import { replay, type BacktestHistory } from '../../src/policies/backtest.ts';
import { fixesAsOf, inputOf } from '../../src/policies/backtest-history.ts';
import { outcomeOf, verdictOf } from '../../src/policies/backtest-score.ts';
import type { PastResolution, StoredFailure } from '../../src/policies/backtest-sql.ts';
import { loadPolicySet } from '../../src/policies/load.ts';
import { createHashingEmbedder } from '../../src/signatures/embedder.ts';

const MIN = 60_000;
const t0 = Date.UTC(2026, 10, 2, 1, 0);
const orchestrator = { action: 'retry', actor: 'orchestrator', outcome: 'success' };

function failure(minute: number, over: Partial<StoredFailure> = {}): StoredFailure {
  return {
    run_id: minute, attempt: 1, failed_at: new Date(t0 + minute * MIN), incident_id: 1, namespace: 'etl', name: 'load', source: 'airflow-prod',
    orchestrator: 'airflow', run_key: `r${minute}`, error_message: 'Connection to warehouse 10.0.4.17:5432 refused', error_detail: null,
    signature_id: 1, fingerprint: 'fp-1', template: 'Connection to warehouse <*> refused', exception_type: null, embedding: null,
    signature_first_seen_at: new Date(t0), run_recovered: true, resolution: { ...orchestrator, resolved_at: '' },
    ...over,
  };
}

const none: BacktestHistory = { near: new Map(), resolutions: [], services: new Map() };

async function policies(yaml: string) {
  const loaded = await loadPolicySet([{ name: 'p.yaml', text: yaml }], createHashingEmbedder(256));
  assert.equal(loaded.kind, 'ok', loaded.kind === 'invalid' ? JSON.stringify(loaded.issues) : '');
  return loaded.kind === 'ok' ? loaded.set : (undefined as never);
}

const RETRY = `policies:
  - id: retry-refused
    description: Retry.
    match: {signature: {template: refused}}
    action: {kind: retry}
    guardrails:
      breaker: {failures: 4, within_minutes: 10}
      budget: {max: 2, per: job, window_minutes: 60}
  - {id: people, description: People decide., priority: -1, action: {kind: notify}}
`;

describe('the backtest', () => {
  it("reads what ended an incident per failure: the run's own retry, a later run, people, noise", () => {
    assert.equal(outcomeOf(orchestrator, true), 'retry');
    assert.equal(outcomeOf(orchestrator, false), 'next_run', 'another run recovered: retrying this one did not help');
    assert.equal(outcomeOf({ action: 'next_run', actor: 'orchestrator', outcome: 'success' }, false), 'next_run');
    assert.equal(outcomeOf({ action: 'rerun', actor: 'ana', outcome: 'success' }, true), 'rerun');
    assert.equal(outcomeOf({ action: 'config_change', actor: 'ana', outcome: 'success' }, false), 'manual');
    assert.equal(outcomeOf({ action: 'retry', actor: 'ana', outcome: 'noise' }, false), 'noise');
    assert.equal(outcomeOf({ action: 'retry', actor: 'ana', outcome: 'failure' }, false), 'open');
    assert.equal(outcomeOf(null, false), 'open');
  });

  it('scores a retry right only when a retry recovered the run, and a rerun right only when the run had to run again', () => {
    assert.deepEqual(['retry', 'next_run', 'rerun', 'manual', 'noise', 'open'].map((o) => verdictOf('retry', o as never)), ['right', 'wrong', 'wrong', 'wrong', 'right', 'unscored']);
    assert.deepEqual(['retry', 'next_run', 'rerun', 'manual', 'noise'].map((o) => verdictOf('rerun', o as never)), ['wrong', 'right', 'right', 'wrong', 'wrong']);
  });

  it("scores an escalation right when the run stayed failed, wrong when the orchestrator's retry recovered it anyway", () => {
    for (const kind of ['notify', 'run_agent', 'hold_downstream'] as const) {
      assert.deepEqual(['retry', 'next_run', 'rerun', 'manual', 'noise'].map((o) => verdictOf(kind, o as never)), ['wrong', 'right', 'right', 'right', 'wrong']);
    }
    assert.equal(verdictOf('skip', 'manual'), 'unscored');
  });

  it('counts only the fixes resolved before the failure, as the endpoint folds them', () => {
    const res = (minute: number, outcome: string, ttr: number | null = 5 * MIN): PastResolution => ({ signature_id: 1, action: 'retry', outcome, time_to_recover_ms: ttr, resolved_at: new Date(t0 + minute * MIN) });
    const history = [res(0, 'success', 4 * MIN), res(10, 'success', 8 * MIN), res(20, 'failure', null), res(30, 'noise'), res(40, 'success')];
    assert.deepEqual(fixesAsOf(history, new Date(t0 + 25 * MIN)).map((f) => [f.action, f.successes, f.attempts, f.median_ttr_ms]), [['retry', 2, 3, 6 * MIN]]);
    assert.deepEqual(fixesAsOf(history, new Date(t0)), []);
  });

  it('turns a stored failure into the input its orchestrator would have posted', () => {
    const input = inputOf(failure(3, { error_message: null, attempt: 2, orchestrator: 'cron' }));
    assert.equal(input.error.message, 'load failed without an error message');
    assert.equal(input.attempt, 2);
    assert.equal(input.orchestrator, undefined, 'an orchestrator Medic does not know is left out');
    assert.deepEqual(input.time, new Date(t0 + 3 * MIN));
  });

  it('replays in order and adds every count up to the failures replayed', async () => {
    const failures = [
      failure(0), failure(1, { name: 'other', run_recovered: false }),
      failure(120, { error_message: 'KeyError: x', template: 'KeyError: x', signature_id: 2, fingerprint: 'fp-2', resolution: null }),
    ];
    const r = replay(await policies(RETRY), failures, none, new Date(t0));
    assert.equal(r.failures, 3);
    const sum = (x: Record<string, number>) => Object.values(x).reduce((a, b) => a + b, 0);
    assert.equal(sum(r.byAction), 3);
    assert.equal(sum(r.byPolicy), 3);
    assert.equal(Object.values(r.scorecard.confusion).reduce((a, row) => a + sum(row), 0), 3);
    assert.deepEqual([r.scorecard.right, r.scorecard.wrong, r.scorecard.unscored], [1, 1, 1]);
    assert.equal(r.agreement, 0.5);
    assert.deepEqual(r.decisions.map((d) => [d.action, d.actual, d.verdict]), [['retry', 'retry', 'right'], ['retry', 'next_run', 'wrong'], ['notify', 'open', 'unscored']]);
  });

  it("trips the storm breaker and spends budgets from the replay's own failures and decisions", async () => {
    // Four jobs fail with one signature within minutes: the fourth is a storm.
    const storm = [0, 1, 2, 3].map((m) => failure(m, { name: `job_${m}` }));
    const r = replay(await policies(RETRY), storm, none, new Date(t0));
    assert.deepEqual(r.decisions.map((d) => d.action), ['retry', 'retry', 'retry', 'hold_downstream']);
    assert.equal(r.guardrails.breaker, 1);
    // One job fails every quarter of an hour: two retries an hour, then escalations until the window frees one.
    const steady = [0, 15, 30, 45, 60, 75].map((m) => failure(m));
    const b = replay(await policies(RETRY), steady, none, new Date(t0));
    assert.deepEqual(b.decisions.map((d) => d.guardrail ?? d.action), ['retry', 'retry', 'budget', 'budget', 'retry', 'retry']);
    assert.equal(b.guardrails.budget, 2);
  });

  it('warms its counters with the failures just before the window without reporting them', async () => {
    const failures = [0, 1, 2, 3].map((m) => failure(m, { name: `job_${m}` }));
    const r = replay(await policies(RETRY), failures, none, new Date(t0 + 3 * MIN));
    assert.deepEqual([r.warmup, r.failures], [3, 1]);
    assert.deepEqual(r.decisions.map((d) => d.action), ['hold_downstream']);
  });

  it('matches a success rate only on fixes resolved before each failure, from signatures taken for the same', async () => {
    const set = await policies(`policies:
  - {id: proven, description: Retry what retries fix., match: {success_rate: {action: retry, at_least: 0.5, min_attempts: 2}}, action: {kind: retry}}
  - {id: people, description: People decide., priority: -1, action: {kind: notify}}
`);
    const resolutions: PastResolution[] = [10, 30].map((m) => ({ signature_id: 9, action: 'retry', outcome: 'success', time_to_recover_ms: MIN, resolved_at: new Date(t0 + m * MIN) }));
    const r = replay(set, [failure(20), failure(40)], { ...none, near: new Map([[1, [1, 9]]]), resolutions }, new Date(t0));
    assert.deepEqual(r.decisions.map((d) => d.policy_id), ['people', 'proven']);
  });

  it('reads --since as a duration before now or as a date', () => {
    const now = new Date('2026-11-24T12:00:00Z');
    assert.deepEqual(parseSince('90d', now), new Date('2026-08-26T12:00:00Z'));
    assert.deepEqual(parseSince('12h', now), new Date('2026-11-24T00:00:00Z'));
    assert.deepEqual(parseSince('2026-11-01', now), new Date('2026-11-01T00:00:00Z'));
    assert.equal(parseSince('soon', now), undefined);
  });

  it('prints the confusion table with each cell marked right or wrong, and how it scores', async () => {
    const r = replay(await policies(RETRY), [failure(0), failure(1, { run_recovered: false })], none, new Date(t0));
    const text = renderBacktest(r, 'policies/');
    assert.match(text, /2 failures replayed/);
    assert.match(text, /retry\s+1 ✓\s+1 ✗/);
    assert.match(text, /retry: right if retry, noise; wrong if next_run, rerun, manual/);
    assert.match(text, /No forecasts are kept for past times/);
  });
});
