import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { notifyCoalesceKey } from '../../src/notify/queueing.ts';
import type { NotifyEvent } from '../../src/notify/events.ts';
import { createNotifier } from '../../src/notify/notifier.ts';
import { createMetrics } from '../../src/http/metrics.ts';
import { jobNames, type JobName, type JobPayload } from '../../src/queue/catalog.ts';
import { createInProcessQueue, type QueueObserver } from '../../src/queue/in-process.ts';
import { queueObserver } from '../../src/queue/observer.ts';
import type { Enqueued, JobQueue } from '../../src/queue/queue.ts';
import { idleHandlers } from '../support/handlers.ts';

/** A Slack that does not answer until told to: each delivery records its subject key and when it started, then waits. */
function stalledSlack() {
  let clock = 0;
  let answer: () => void = () => undefined;
  const answered = new Promise<void>((resolve) => { answer = resolve; });
  const runs: { key: string; at: number }[] = [];
  let started: () => void = () => undefined;
  const handlers = idleHandlers({
    notify: async (event) => {
      runs.push({ key: notifyCoalesceKey(event), at: ++clock });
      started();
      await answered;
    },
  });
  return {
    handlers, runs, answer,
    /** A moment on the same clock as the runs' starts. */
    now: () => ++clock,
    /** Resolves on the next delivery's start. */
    nextStart: () => new Promise<void>((resolve) => { started = resolve; }),
  };
}

/** Event `i` of subject `s` (of 100): incidents, approvals and risks, with kinds of both kinds of work on each. */
function eventOf(s: number, i: number): NotifyEvent {
  const turn = Math.floor(i / 100);
  if (s % 3 === 0) return turn % 2 ? { kind: 'incident.resolved', incidentId: s + 1 } : { kind: 'incident.opened', incidentId: s + 1 };
  if (s % 3 === 1) return { kind: (['approval.requested', 'vote.recorded', 'approval.lapsed'] as const)[turn % 3] ?? 'vote.recorded', approvalId: s + 1 };
  return { kind: (['sla_risk.raised', 'sla_risk.updated', 'sla_risk.cleared'] as const)[turn % 3] ?? 'sla_risk.cleared', service: `svc-${s}`, instance: '2026-11-24' };
}

function watch(): { observer: Partial<QueueObserver>; peak: () => number; refused: JobName[]; room: number[] } {
  let peak = 0;
  const refused: JobName[] = [];
  const room: number[] = [];
  return {
    observer: { waiting: (n) => { peak = Math.max(peak, n); }, refused: (name) => refused.push(name), room: (_n, count) => room.push(count) },
    peak: () => peak,
    refused,
    room,
  };
}

/** Asserts that every key was delivered by a run that started after the key's last event. */
function assertCaughtUp(runs: { key: string; at: number }[], last: Map<string, number>): void {
  for (const [key, at] of last) assert.ok(runs.some((r) => r.key === key && r.at > at), `${key} was not delivered after its last event`);
}

describe('the in-process queue behind a Slack that does not answer', () => {
  it('folds 50,000 events for 100 subjects into a job per subject, and brings every subject up to date once Slack answers', async () => {
    const slack = stalledSlack();
    const load = watch();
    const queue = createInProcessQueue({ observer: load.observer });
    queue.startWorkers(slack.handlers, { concurrency: 4 });
    const notifier = createNotifier({ queue, log: pino({ level: 'silent' }), enabled: true });
    const last = new Map<string, number>();
    for (let i = 0; i < 50_000; i += 1) {
      const event = eventOf(i % 100, i);
      last.set(notifyCoalesceKey(event), slack.now());
      await notifier.publish(event);
      // Let the workers take jobs now and then: events then also arrive while their subject's job runs.
      if (i % 5_000 === 4_999) await new Promise(setImmediate);
    }
    assert.equal(slack.runs.length, 4, 'the four workers wait on Slack');
    assert.ok(load.peak() <= last.size, `${load.peak()} jobs waited for ${last.size} subjects and kinds of work`);
    assert.deepEqual(load.refused, []);

    slack.answer();
    await queue.drain(10_000);
    assertCaughtUp(slack.runs, last);
    assert.ok(slack.runs.length <= last.size + 4, `${slack.runs.length} deliveries`);
    await queue.close();
  });

  it('holds no more than MEDIC_QUEUE_MAX_WAITING updates, refuses the rest as a value, and catches up on each subject\'s next event', async () => {
    const slack = stalledSlack();
    const load = watch();
    const queue = createInProcessQueue({ maxWaiting: 20, observer: load.observer });
    queue.startWorkers(slack.handlers, { concurrency: 2 });
    const outcomes = new Map<Enqueued['kind'], number>();
    const updateOf = (s: number): NotifyEvent => ({ kind: 'vote.recorded', approvalId: s + 1 });
    for (let i = 0; i < 50_000; i += 1) {
      const outcome = await queue.enqueue('notify', updateOf(i % 100));
      outcomes.set(outcome.kind, (outcomes.get(outcome.kind) ?? 0) + 1);
      if (i % 5_000 === 4_999) await new Promise(setImmediate);
    }
    assert.ok(load.peak() <= 20, `${load.peak()} waited`);
    assert.ok((outcomes.get('refused') ?? 0) > 0 && (outcomes.get('coalesced') ?? 0) > 0, JSON.stringify([...outcomes]));
    assert.equal(load.refused.length, outcomes.get('refused'));

    slack.answer();
    await queue.drain(10_000);
    // Each time it had room again (the workers took jobs, Slack answered) it said how many it had refused meanwhile.
    assert.equal(load.room.reduce((a, b) => a + b, 0), load.refused.length);
    const last = new Map<string, number>();
    for (let s = 0; s < 100; s += 1) {
      last.set(notifyCoalesceKey(updateOf(s)), slack.now());
      assert.equal((await queue.enqueue('notify', updateOf(s))).kind, 'queued');
      await new Promise(setImmediate);
    }
    await queue.drain(10_000);
    assertCaughtUp(slack.runs, last);
    await queue.close();
  });
});

describe('a full in-process queue', () => {
  const payloads: { [N in JobName]: JobPayload<N> } = {
    'analyse-failure': { runId: 1 },
    'settle-incidents': { jobId: 1 },
    'execute-action': { executionId: 1 },
    'heal-sweep': {},
    'forecast-sweep': {},
    'agent-run': { agentRunId: 1 },
    'agent-resume': { approvalId: 1 },
    'source-sync': { source: 'airflow-prod' },
    notify: { kind: 'execution.done', executionId: 1 },
  };
  const enqueue = <N extends JobName>(q: JobQueue, name: N) => q.enqueue(name, payloads[name]);

  it('refuses only the jobs a later one makes up for, and admits those whose loss would lose work', async () => {
    const queue = createInProcessQueue({ maxWaiting: 3 });
    for (let id = 1; id <= 3; id += 1) assert.equal((await queue.enqueue('notify', { kind: 'vote.recorded', approvalId: id })).kind, 'queued');
    const refused: JobName[] = [];
    for (const name of jobNames) if ((await enqueue(queue, name)).kind === 'refused') refused.push(name);
    assert.deepEqual(refused.sort(), ['forecast-sweep', 'notify', 'source-sync']);
    await queue.close();
  });

  it('admits a notification that may start a message, and refuses one that only updates it', async () => {
    const queue = createInProcessQueue({ maxWaiting: 1 });
    await queue.enqueue('notify', { kind: 'vote.recorded', approvalId: 1 });
    const starts: NotifyEvent[] = [
      { kind: 'incident.opened', incidentId: 2 }, { kind: 'approval.requested', approvalId: 2 },
      { kind: 'sla_risk.raised', service: 'finance-close', instance: 'a' }, { kind: 'sla_risk.updated', service: 'finance-close', instance: 'b' },
    ];
    const updates: NotifyEvent[] = [
      { kind: 'incident.resolved', incidentId: 2 }, { kind: 'vote.recorded', approvalId: 2 }, { kind: 'approval.lapsed', approvalId: 3 },
      { kind: 'sla_risk.cleared', service: 'finance-close', instance: 'a' }, { kind: 'execution.failed', executionId: 2 }, { kind: 'execution.verified', executionId: 3 },
    ];
    for (const e of starts) assert.equal((await queue.enqueue('notify', e)).kind, 'queued', e.kind);
    for (const e of updates) assert.equal((await queue.enqueue('notify', e)).kind, 'refused', e.kind);
    await queue.close();
  });
});

describe('the in-process queue\'s load', () => {
  it('is in the metrics, and in the log once when it fills up', async () => {
    const metrics = createMetrics();
    const lines: { level: number; refusing?: string[] }[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number }) });
    const queue = createInProcessQueue({ maxWaiting: 1, observer: queueObserver(metrics, log) });
    for (let id = 1; id <= 3; id += 1) await queue.enqueue('notify', { kind: 'vote.recorded', approvalId: id });
    await queue.enqueue('notify', { kind: 'vote.recorded', approvalId: 1 });
    assert.match(await metrics.registry.getSingleMetricAsString('medic_queue_waiting_jobs'), /^medic_queue_waiting_jobs 1$/m);
    assert.match(await metrics.registry.getSingleMetricAsString('medic_queue_refused_jobs_total'), /^medic_queue_refused_jobs_total\{job="notify"\} 2$/m);
    assert.match(await metrics.registry.getSingleMetricAsString('medic_queue_coalesced_jobs_total'), /^medic_queue_coalesced_jobs_total\{job="notify"\} 1$/m);
    assert.deepEqual(lines.map((l) => [l.level, l.refusing]), [[40, ['forecast-sweep', 'source-sync', 'notify']]]);
    await queue.close();
  });
});

describe('coalescing in the in-process queue', () => {
  it('folds an event into its subject\'s job while that job waits, and runs one that comes during the job after it', async () => {
    const slack = stalledSlack();
    const queue = createInProcessQueue();
    const first = await queue.enqueue('notify', { kind: 'vote.recorded', approvalId: 7 });
    assert.deepEqual(await queue.enqueue('notify', { kind: 'approval.lapsed', approvalId: 7 }), { ...first, kind: 'coalesced' });
    const started = slack.nextStart();
    queue.startWorkers(slack.handlers, { concurrency: 1 });
    await started;
    const during = slack.now();
    assert.equal((await queue.enqueue('notify', { kind: 'vote.recorded', approvalId: 7 })).kind, 'queued');
    slack.answer();
    await queue.drain(10_000);
    assert.equal(slack.runs.length, 2);
    assert.ok((slack.runs[1]?.at ?? 0) > during);
    await queue.close();
  });
});
