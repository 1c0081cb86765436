import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { earnsPromotion, proposalYaml } from '../../src/approvals/proposals.ts';
import { expectedActionMs, expiryOf, mayVote, modifyAction, tally, usefulUntil, type Ballot } from '../../src/approvals/rules.ts';
import type { Approver, Requirement } from '../../src/approvals/schema.ts';
import type { ServiceContext } from '../../src/decide/context.ts';
import { Action } from '../../src/policies/action.ts';
import { parsePolicySet } from '../../src/policies/load.ts';
import { Policy } from '../../src/policies/schema.ts';
import { verifyDeadlineOf } from '../../src/remediation/verify-rules.ts';

const now = new Date('2026-11-24T03:00:00Z');
const at = (hhmm: string) => new Date(`2026-11-24T${hhmm}:00Z`);
const oncall = (name: string): Approver => ({ name, groups: ['data-oncall'] });

function ballot(extra: Partial<Ballot> = {}): Ballot {
  return {
    status: 'pending', requirement: { kind: 'one_of', groups: ['data-oncall'], separation_of_duties: true }, requester: 'airflow-prod',
    proposedBy: null, expiresAt: at('04:00'), actionVersion: 1, votes: [], ...extra,
  };
}

describe('who may vote on an approval', () => {
  it('lets a member of one of the groups vote', () => {
    assert.deepEqual(mayVote(ballot(), 'alice', oncall('alice'), now), { kind: 'allowed' });
  });

  it('refuses someone who is not a configured approver, or not in the groups', () => {
    assert.equal((mayVote(ballot(), 'mallory', undefined, now) as { code: string }).code, 'not_an_approver');
    assert.equal((mayVote(ballot(), 'bob', { name: 'bob', groups: ['finance-data'] }, now) as { code: string }).code, 'not_in_group');
  });

  it('refuses the requester, and the proposing agent, under separation of duties', () => {
    const b = ballot({ requester: 'alice', proposedBy: 'diagnose-agent' });
    assert.equal((mayVote(b, 'alice', oncall('alice'), now) as { code: string }).code, 'separation_of_duties');
    assert.equal((mayVote(b, 'diagnose-agent', oncall('diagnose-agent'), now) as { code: string }).code, 'separation_of_duties');
    const relaxed = ballot({ requester: 'alice', requirement: { kind: 'one_of', groups: ['data-oncall'], separation_of_duties: false } });
    assert.equal(mayVote(relaxed, 'alice', oncall('alice'), now).kind, 'allowed');
  });

  it('refuses a vote that arrives after the request expired, or once it is decided', () => {
    assert.equal((mayVote(ballot(), 'alice', oncall('alice'), at('04:00')) as { code: string }).code, 'expired');
    assert.equal((mayVote(ballot({ status: 'rejected' }), 'alice', oncall('alice'), now) as { code: string }).code, 'closed');
  });

  it('refuses a second vote of one approver on the same version of the action', () => {
    const b = ballot({ votes: [{ approver: 'alice', verdict: 'approve', action_version: 1 }] });
    assert.equal((mayVote(b, 'alice', oncall('alice'), now) as { code: string }).code, 'already_voted');
    assert.equal(mayVote({ ...b, actionVersion: 2 }, 'alice', oncall('alice'), now).kind, 'allowed');
  });
});

describe('when an approval is decided', () => {
  const quorum: Requirement = { kind: 'quorum', groups: ['data-oncall'], count: 2, separation_of_duties: true };

  it('approves a one-of request on one approval', () => {
    assert.equal(tally(ballot().requirement, [{ approver: 'alice', verdict: 'approve', action_version: 1 }], 1), 'approved');
  });

  it('needs two distinct approvers for a quorum of two: the same one twice does not count', () => {
    assert.equal(tally(quorum, [{ approver: 'alice', verdict: 'approve', action_version: 1 }], 1), 'pending');
    assert.equal(tally(quorum, [{ approver: 'alice', verdict: 'approve', action_version: 1 }, { approver: 'alice', verdict: 'approve', action_version: 1 }], 1), 'pending');
    assert.equal(tally(quorum, [{ approver: 'alice', verdict: 'approve', action_version: 1 }, { approver: 'bob', verdict: 'approve', action_version: 1 }], 1), 'approved');
  });

  it('rejects on any allowed rejection', () => {
    assert.equal(tally(quorum, [{ approver: 'alice', verdict: 'approve', action_version: 1 }, { approver: 'bob', verdict: 'reject', action_version: 1 }], 1), 'rejected');
  });

  it('no longer counts approvals of an earlier version once the action was modified', () => {
    const votes = [{ approver: 'alice', verdict: 'approve', action_version: 1 }, { approver: 'bob', verdict: 'approve', action_version: 2 }] as const;
    assert.equal(tally(quorum, votes, 2), 'pending');
    assert.equal(tally(quorum, [...votes, { approver: 'alice', verdict: 'approve', action_version: 2 }], 2), 'approved');
  });
});

describe('modifying an action within its policy\'s bounds', () => {
  const retry = Action.parse({ kind: 'retry', delay_s: 60, backoff: { factor: 2, max_delay_s: 900 } });
  const rerun = Action.parse({ kind: 'rerun', include_downstream: true });

  it('changes a retry\'s delay between 0 and its max_delay_s, and the delay given is the delay used', () => {
    const r = modifyAction(retry, { delay_s: 600 }, null);
    assert.equal(r.kind, 'modified');
    assert.deepEqual(r.kind === 'modified' && r.action, { kind: 'retry', delay_s: 600, max_attempts: 3 });
    assert.equal(modifyAction(retry, { delay_s: 901 }, null).kind, 'refused');
    assert.equal(modifyAction(rerun, { delay_s: 86_401 }, null).kind, 'refused');
  });

  it('moves a rerun only to another task of the same run', () => {
    const r = modifyAction(rerun, { from_task: 'extract_erp' }, ['extract_erp', 'load_dw', 'reconcile']);
    assert.equal(r.kind === 'modified' && r.action.kind === 'rerun' && r.action.from_task, 'extract_erp');
    assert.match((modifyAction(rerun, { from_task: 'drop_tables' }, ['load_dw']) as { reason: string }).reason, /not a task of the same run/);
    assert.equal(modifyAction(retry, { from_task: 'load_dw' }, ['load_dw']).kind, 'refused');
    assert.equal(modifyAction(rerun, { from_task: 'load_dw' }, null).kind, 'refused');
  });
});

describe('the expiry of an approval, tied to the SLA', () => {
  const close = (extra: Partial<NonNullable<ServiceContext['forecast']>> = {}): ServiceContext => ({
    name: 'finance-close', title: null, criticality: 'critical',
    forecast: {
      at: now, instanceKey: 'today', deadline: at('06:00'), pBreach: 0.2, slackMs: 0, etaP50: at('05:30'), jobEnd: at('04:00'),
      downstream: [{ service: 'ar-aging', deadline: at('07:00'), medianLagMs: 30 * 60_000 }], ...extra,
    },
  });

  it('waits for the TTL when the SLA leaves more time than that', () => {
    const e = expiryOf(now, 60 * 60_000, usefulUntil([close({ deadline: at('09:00'), downstream: [] })], expectedActionMs(60, 20 * 60_000)));
    assert.deepEqual(e, { expiresAt: at('04:00'), reason: 'ttl', escalated: false });
  });

  it('expires at the last moment the action still helps: the deadline less the action and the rest of the service', () => {
    // 06:00 − 1 h 30 after the job − (1 min delay + 20 min run) = 04:09
    const useful = usefulUntil([close({ downstream: [] })], expectedActionMs(60, 20 * 60_000));
    assert.deepEqual(useful, { at: at('04:09'), service: 'finance-close' });
    assert.deepEqual(expiryOf(now, 2 * 3_600_000, useful), { expiresAt: at('04:09'), reason: 'sla', escalated: false });
  });

  it('counts a downstream service\'s deadline and lag when it is tighter', () => {
    const useful = usefulUntil([close({ downstream: [{ service: 'ar-aging', deadline: at('06:10'), medianLagMs: 30 * 60_000 }] })], expectedActionMs(0, 20 * 60_000));
    // 06:10 − 30 min lag − 1 h 30 after the job − 20 min run = 03:50, before finance-close's own 04:10
    assert.deepEqual(useful, { at: at('03:50'), service: 'ar-aging' });
  });

  it('escalates at once a request whose useful moment has already passed', () => {
    const useful = usefulUntil([close({ deadline: at('04:00') })], expectedActionMs(60, 20 * 60_000));
    assert.deepEqual(expiryOf(now, 60 * 60_000, useful), { expiresAt: now, reason: 'sla', escalated: true });
  });

  it('has no SLA moment without a forecast', () => {
    assert.equal(usefulUntil([{ name: 'x', title: null, criticality: 'low', forecast: null }], 0), null);
  });
});

describe('verification and promotion', () => {
  it('watches an executed action for the window, or three median runs when longer', () => {
    assert.deepEqual(verifyDeadlineOf(now, 15 * 60_000, 2 * 60_000), at('03:15'));
    assert.deepEqual(verifyDeadlineOf(now, 15 * 60_000, 20 * 60_000), at('04:00'));
  });

  const gated = Policy.parse({
    id: 'load-retry-gated', description: 'retries of the load wait for the on-call', priority: 110,
    match: { jobs: ['*/finance_close.load_dw'] }, action: { kind: 'retry', delay_s: 0 },
    approval: { kind: 'one_of', groups: ['data-oncall'] }, guardrails: { budget: { max: 5 } },
  });

  it('proposes promoting a gated action only past the configured track record, and never a destructive one', () => {
    const bar = { minAttempts: 5, minSuccess: 0.9 };
    assert.equal(earnsPromotion(gated, { successes: 4, attempts: 4, median_ttr_ms: null }, bar), false);
    assert.equal(earnsPromotion(gated, { successes: 9, attempts: 10, median_ttr_ms: null }, bar), true);
    assert.equal(earnsPromotion(gated, { successes: 8, attempts: 10, median_ttr_ms: null }, bar), false);
    const rerun = Policy.parse({ ...gated, action: { kind: 'rerun' } });
    assert.equal(earnsPromotion(rerun, { successes: 10, attempts: 10, median_ttr_ms: null }, bar), false);
  });

  it('writes the proposal as a higher-priority, ungated policy for the one signature, which Medic would load', () => {
    const yaml = proposalYaml(gated, 42, { successes: 5, attempts: 5, median_ttr_ms: 60_000 });
    const parsed = parsePolicySet([{ name: 'p.yaml', text: yaml }]);
    assert.equal(parsed.kind, 'ok', yaml);
    const p = parsed.kind === 'ok' ? parsed.policies[0] : undefined;
    assert.equal(p?.id, 'load-retry-gated-auto-s42');
    assert.equal(p?.priority, 111);
    assert.deepEqual(p?.approval, { kind: 'none' });
    assert.deepEqual(p?.match.signature, { ids: [42] });
    assert.deepEqual(p?.action, gated.action);
  });
});
