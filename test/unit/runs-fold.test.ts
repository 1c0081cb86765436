import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldEvents } from '../../src/runs/fold.ts';
import type { NormalizedRunEvent, RunEventType } from '../../src/runs/schema.ts';

function event(type: RunEventType, minute: number, attempt = 1, extra: Partial<NormalizedRunEvent> = {}): NormalizedRunEvent {
  const at = new Date(Date.UTC(2026, 10, 1, 2, minute));
  return {
    orchestrator: 'generic', source: 'test', eventType: type, eventTime: at,
    job: { namespace: 'ns', name: 'load' }, run: { runKey: 'slot-1', externalId: `try-${attempt}`, attempt },
    ...(type === 'started' ? { startedAt: at } : {}),
    ...(['completed', 'failed', 'aborted'].includes(type) ? { endedAt: at } : {}),
    facets: {},
    ...extra,
  };
}

describe('folding run events', () => {
  it('makes one run with two attempts of a task that failed and was retried', () => {
    const { runs, attempts } = foldEvents([
      event('started', 0, 1),
      event('failed', 5, 1, { error: { message: 'connection refused' } }),
      event('started', 10, 2),
      event('completed', 20, 2),
    ]);
    assert.equal(runs.length, 1);
    assert.equal(attempts.length, 2);
    const run = runs[0];
    assert.equal(run?.state, 'completed');
    assert.equal(run?.attempt, 2);
    assert.equal(run?.startedAt?.toISOString(), '2026-11-01T02:00:00.000Z');
    assert.equal(run?.endedAt?.toISOString(), '2026-11-01T02:20:00.000Z');
    assert.equal(run?.errorMessage, 'connection refused');
    assert.deepEqual(attempts.map((a) => [a.attempt, a.state]), [[1, 'failed'], [2, 'completed']]);
  });

  it('reaches the same state whatever order the events arrive in', () => {
    const events = [event('started', 0), event('running', 3), event('completed', 9)];
    const forward = foldEvents(events).runs[0];
    const backward = foldEvents([...events].reverse()).runs[0];
    assert.equal(forward?.state, 'completed');
    assert.deepEqual(backward, { ...forward, facets: backward?.facets ?? {} });
  });

  it('lets a terminal event win over a start reported at the same instant', () => {
    const { runs } = foldEvents([event('completed', 4), event('started', 4)]);
    assert.equal(runs[0]?.state, 'completed');
  });

  it('keeps the error of the latest failed attempt', () => {
    const { runs } = foldEvents([
      event('failed', 5, 2, { error: { message: 'second' } }),
      event('failed', 1, 1, { error: { message: 'first' } }),
    ]);
    assert.equal(runs[0]?.errorMessage, 'second');
    assert.equal(runs[0]?.errorAttempt, 2);
  });
});
