import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NotifyEvent } from '../../src/notify/events.ts';
import { notifyCoalesceKey, notifyWhenFull } from '../../src/notify/queueing.ts';
import { startsMessage } from '../../src/slack/subjects.ts';

/** One event of each kind, all about the same rows (incident 1, approval 1, execution 1, one risk). */
const sample: { [K in NotifyEvent['kind']]: Extract<NotifyEvent, { kind: K }> } = {
  'incident.opened': { kind: 'incident.opened', incidentId: 1 },
  'incident.resolved': { kind: 'incident.resolved', incidentId: 1 },
  'sla_risk.raised': { kind: 'sla_risk.raised', service: 'finance-close', instance: '2026-11-24' },
  'sla_risk.updated': { kind: 'sla_risk.updated', service: 'finance-close', instance: '2026-11-24' },
  'sla_risk.cleared': { kind: 'sla_risk.cleared', service: 'finance-close', instance: '2026-11-24' },
  'approval.requested': { kind: 'approval.requested', approvalId: 1 },
  'vote.recorded': { kind: 'vote.recorded', approvalId: 1 },
  'approval.lapsed': { kind: 'approval.lapsed', approvalId: 1 },
  'execution.done': { kind: 'execution.done', executionId: 1 },
  'execution.failed': { kind: 'execution.failed', executionId: 1 },
  'execution.verified': { kind: 'execution.verified', executionId: 1 },
};
const events: NotifyEvent[] = Object.values(sample);

describe('notify jobs in a busy queue', () => {
  it('share a coalescing key only when they name the same row and may do the same to its message', () => {
    const groups = new Map<string, NotifyEvent['kind'][]>();
    for (const e of events) groups.set(notifyCoalesceKey(e), [...(groups.get(notifyCoalesceKey(e)) ?? []), e.kind]);
    assert.deepEqual([...groups.values()], [
      ['incident.opened'], ['incident.resolved'],
      ['sla_risk.raised', 'sla_risk.updated'], ['sla_risk.cleared'],
      ['approval.requested'], ['vote.recorded', 'approval.lapsed'],
      ['execution.done', 'execution.failed', 'execution.verified'],
    ]);
    for (const kinds of groups.values()) assert.equal(new Set(kinds.map((k) => startsMessage(sample[k]))).size, 1, kinds.join());
  });

  it('keep the rows apart, whatever their names hold', () => {
    assert.notEqual(notifyCoalesceKey({ kind: 'vote.recorded', approvalId: 1 }), notifyCoalesceKey({ kind: 'vote.recorded', approvalId: 2 }));
    assert.notEqual(notifyCoalesceKey({ kind: 'execution.done', executionId: 1 }), notifyCoalesceKey({ kind: 'vote.recorded', approvalId: 1 }));
    assert.notEqual(
      notifyCoalesceKey({ kind: 'sla_risk.cleared', service: 'a:b', instance: 'c' }),
      notifyCoalesceKey({ kind: 'sla_risk.cleared', service: 'a', instance: 'b:c' }),
    );
  });

  it('are refused by a full queue only when they cannot start a message', () => {
    for (const e of events) assert.equal(notifyWhenFull(e), startsMessage(e) ? 'admit' : 'refuse', e.kind);
  });
});
