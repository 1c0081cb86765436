import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from '@slack/web-api';
import { retryable, retryDelayMs } from '../../src/queue/retry.ts';
import { escape, fit, LIMITS } from '../../src/slack/blocks.ts';
import type { IncidentCard } from '../../src/slack/card.ts';
import { detailsMessage, detailsModal } from '../../src/slack/details.ts';
import { slackError } from '../../src/slack/errors.ts';
import { incidentMessage } from '../../src/slack/incident-blocks.ts';
import { blockProblem, blockText, buttons, type Block } from '../support/slack.ts';

const URL = 'https://medic.example.com';

function card(over: Partial<IncidentCard> = {}): IncidentCard {
  const at = new Date('2026-11-24T05:02:00Z');
  return {
    kind: 'incident',
    incident: { id: 12, title: 'airflow-prod/finance_close.load_dw: could not connect', status: 'open', occurrences: 2, jobsAffected: 1, openedAt: at, lastSeenAt: at, resolution: null },
    job: 'airflow-prod/finance_close.load_dw', message: 'psycopg2.OperationalError: could not connect to server', signature: { template: 'could not connect to server <*>', outlier: 'rare, seen on 1 of the last 30 days' },
    fixes: ['retry fixed it 12 of 14 times, median 11 min'], similar: [{ id: 3, similarity: 0.94, title: 'load_dw: could not connect', endedBy: 'retry' }],
    services: [{ name: 'finance-close', pBreach: 0.72, deadline: new Date('2026-11-24T06:00:00Z'), sentence: null }],
    actBy: { at: new Date('2026-11-24T05:20:00Z'), service: 'finance-close' },
    proposal: {
      approvalId: 7, action: { kind: 'retry', delay_s: 0, max_attempts: 3 }, policyId: 'close-load-retry-gated', status: 'pending',
      requirement: { kind: 'one_of', groups: ['data-oncall'], separation_of_duties: true }, requester: 'medic', have: 0, need: 1,
      expiresAt: new Date('2026-11-24T05:20:00Z'), reason: 'the data on-call says when', dryRun: 'POST https://airflow/api/v2/dags/finance_close/clearTaskInstances', votes: [], execution: null,
    },
    ...over,
  };
}

describe('Slack messages within Block Kit\'s limits', () => {
  it('shows the failure, the evidence, the SLA and the proposed action with Approve, Reject and Details', () => {
    const m = incidentMessage(card(), URL);
    const text = blockText(m.blocks as Block[]);
    assert.deepEqual(buttons(m.blocks as Block[]), ['medic.approve=approval:7', 'medic.reject=approval:7', 'medic.details=incident:12']);
    for (const part of ['retry fixed it 12 of 14 times', '<https://medic.example.com/v1/incidents/3|#3> 94 %', '*finance-close*: 72 % chance to miss', '*Act by*', 'Proposed action* retry', 'one of data-oncall, not the requester (medic)']) {
      assert.ok(text.includes(part), `the message says "${part}"`);
    }
    assert.equal(blockProblem(m.blocks as Block[]), undefined);
  });

  it('cuts long evidence with a link to the whole in Medic instead of failing the post', () => {
    const long = `Traceback (most recent call last):\n${'  File "etl.py", line 7, in load\n'.repeat(2_000)}OSError: <disk> & full`;
    const many = Array.from({ length: 400 }, (_, i) => `retry fixed it ${i} of ${i + 1} times ${'and more words '.repeat(20)}`);
    const m = incidentMessage(card({ message: long, fixes: many, signature: { template: 'x'.repeat(10_000), outlier: null },
      services: Array.from({ length: 5 }, (_, i) => ({ name: `s${i}`, pBreach: 0.5, deadline: null, sentence: 'y'.repeat(2_000) })) }), URL);
    assert.equal(blockProblem(m.blocks as Block[]), undefined, 'Slack would take every block');
    assert.ok(m.blocks.length <= LIMITS.blocks);
    assert.ok(m.text.length <= LIMITS.fallback);
    const cut = (m.blocks as Block[]).filter((b) => b.text?.text.includes(`<${URL}/v1/incidents/12|more in Medic>`));
    assert.ok(cut.length >= 1, 'a cut section links to the incident in Medic');
    assert.ok(!blockText(m.blocks as Block[]).includes('<disk>'), 'text from logs is escaped');
  });

  it('keeps a cut list to whole lines and escapes what Slack reserves', () => {
    assert.equal(fit('short', 10), 'short');
    const text = Array.from({ length: 30 }, (_, i) => `• item ${String(i).padStart(2, '0')}`).join('\n');
    const tail = '\n… <https://m/x|more in Medic>';
    const cut = fit(text, 120, 'https://m/x');
    assert.ok(cut.length <= 120 && cut.endsWith(tail), cut);
    const kept = cut.slice(0, -tail.length);
    assert.ok(text.startsWith(kept) && text[kept.length] === '\n', 'whole items only');
    assert.equal(fit(text, 40, 'https://m/x').length, 40, 'a link that would not leave room is left out');
    assert.equal(escape('a <b> & c'), 'a &lt;b&gt; &amp; c');
  });

  it('replaces the buttons with the outcome once the request is decided', () => {
    const decided = card();
    if (!decided.proposal) throw new Error('no proposal');
    decided.proposal = { ...decided.proposal, status: 'approved', have: 1, votes: [{ approver: 'dana', verdict: 'approve', reason: null, via: 'slack' }], execution: { id: 4, state: 'executed', verification: 'awaiting' } };
    const m = incidentMessage(decided, URL);
    assert.deepEqual(buttons(m.blocks as Block[]), ['medic.details=incident:12']);
    assert.match(blockText(m.blocks as Block[]), /Approved\* by dana · execution 4 executed, verification awaiting/);
  });
  it('opens Details as a modal with the private message\'s blocks, a short title and Close, and no buttons', () => {
    const many = Array.from({ length: 400 }, (_, i) => `retry fixed it ${i} of ${i + 1} times`);
    for (const c of [card(), card({ fixes: many, incident: null })]) {
      const view = detailsModal(c, URL);
      assert.deepEqual(view.blocks, detailsMessage(c, URL).blocks);
      assert.ok(view.title.text.length <= LIMITS.viewTitle && view.blocks.length <= LIMITS.viewBlocks);
      assert.deepEqual([view.type, view.close.text, buttons(view.blocks as Block[])], ['modal', 'Close', []]);
      assert.equal(blockProblem(view.blocks as Block[], LIMITS.viewBlocks), undefined);
    }
    assert.deepEqual([detailsModal(card(), URL).title.text, detailsModal(card({ incident: null }), URL).title.text], ['Incident 12', 'Approval 7']);
  });
});

describe('Slack failures as queue retries', () => {
  it('waits out a rate limit\'s Retry-After, backs off on outages, and gives up on refusals', () => {
    const limited = slackError('chat.postMessage', new WebAPIRateLimitedError(7));
    assert.equal(limited.code, 'unavailable');
    assert.equal(retryDelayMs(limited, 1, 1_000), 7_000);
    const outage = slackError('chat.postMessage', new WebAPIHTTPError(503, 'Service Unavailable', {}, ''));
    assert.ok(retryable(outage));
    assert.deepEqual([1, 2, 3].map((n) => retryDelayMs(outage, n, 1_000)), [1_000, 2_000, 4_000]);
    assert.ok(retryable(slackError('chat.postMessage', new WebAPIRequestError(new Error('ECONNREFUSED')))));
    const refusals = ['invalid_auth', 'channel_not_found', 'not_in_channel', 'invalid_blocks', 'missing_scope'].map((error) => slackError('chat.postMessage', new WebAPIPlatformError({ ok: false, error })));
    assert.deepEqual(refusals.map((e) => [e.code, retryable(e)]), [['unauthorized', false], ['not_found', false], ['forbidden', false], ['bad_request', false], ['forbidden', false]]);
    assert.ok(retryable(slackError('chat.update', new WebAPIPlatformError({ ok: false, error: 'internal_error' }))));
  });
});
