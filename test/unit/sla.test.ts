import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deadlineFor } from '../../src/sla/deadline.ts';
import { forecast, type JobState } from '../../src/sla/forecast.ts';
import { buildJobModel, type JobModel } from '../../src/sla/model.ts';
import { detectTimeBuffer } from '../../src/sla/buffers.ts';
import { parseServiceFile } from '../../src/sla/parse-file.ts';

const MIN = 60_000;
const history = (medianMin: number, n = 40, failEvery = 0) => Array.from({ length: n }, (_, k) => ({
  startedAt: new Date(Date.UTC(2026, 9, 1) + k * 86_400_000),
  durationMs: medianMin * MIN * (0.8 + 0.4 * ((k * 7) % 10) / 10),
  failed: failEvery > 0 && k % failEvery === 0,
}));

const chain = [
  { job: 'erp/extract', after: [] },
  { job: 'dw/load', after: ['erp/extract'] },
  { job: 'dw/reconcile', after: ['dw/load'] },
];
const models = new Map<string, JobModel>([
  ['erp/extract', buildJobModel(history(20))],
  ['dw/load', buildJobModel(history(30))],
  ['dw/reconcile', buildJobModel(history(10))],
]);
const start = new Date('2026-11-24T01:00:00Z');

describe('service definitions', () => {
  it('refuses a malformed service file with the line and field at fault', () => {
    const text = ['name: supply-chain-close', 'jobs:', '  - job: erp/extract', '  - job: dw/load', '    after: [erp/extrct]',
      'deadline:', '  kind: time', '  at: "6:00"', '  timeZone: Europe/Berlin'].join('\n');
    const r = parseServiceFile(text);
    assert.equal(r.kind, 'invalid');
    const issues = r.kind === 'invalid' ? r.issues : [];
    const dep = issues.find((i) => i.path.join('.') === 'jobs.1.after.0');
    assert.equal(dep?.line, 5);
    assert.match(dep?.message ?? '', /erp\/extrct/);
    const at = issues.find((i) => i.path.join('.') === 'deadline.at');
    assert.equal(at?.line, 8);
  });

  it('refuses dependencies that form a cycle', () => {
    const r = parseServiceFile('name: s\njobs:\n  - {job: a/x, after: [a/y]}\n  - {job: a/y, after: [a/x]}\ndeadline: {kind: duration, minutes: 60}\n');
    assert.match(r.kind === 'invalid' ? r.issues[0]?.message ?? '' : '', /cycle/);
  });
});

describe('deadlines', () => {
  const at = (time: string, timeZone: string, calendar: 'daily' | 'weekdays' = 'daily') => ({ kind: 'time' as const, at: time, timeZone, calendar });
  it('places 06:00 Berlin on the right UTC instant on both sides of the spring change', () => {
    assert.equal(deadlineFor(at('06:00', 'Europe/Berlin'), new Date('2026-03-28T01:00:00Z')).toISOString(), '2026-03-28T05:00:00.000Z');
    assert.equal(deadlineFor(at('06:00', 'Europe/Berlin'), new Date('2026-03-29T01:00:00Z')).toISOString(), '2026-03-29T04:00:00.000Z');
  });
  it('moves a deadline inside the skipped hour forward, as the local clock reads it', () => {
    assert.equal(deadlineFor(at('02:30', 'Europe/Berlin'), new Date('2026-03-28T23:00:00Z')).toISOString(), '2026-03-29T01:30:00.000Z');
  });
  it('takes the next weekday for a weekday calendar, and tomorrow for a start after the hour', () => {
    assert.equal(deadlineFor(at('06:00', 'America/New_York', 'weekdays'), new Date('2026-11-27T12:00:00Z')).toISOString(), '2026-11-30T11:00:00.000Z');
    assert.equal(deadlineFor(at('06:00', 'UTC'), new Date('2026-11-24T23:00:00Z')).toISOString(), '2026-11-25T06:00:00.000Z');
  });
});

describe('the forecast', () => {
  const base = { jobs: chain, models, start, samples: 4_000, seed: 7, withTimeToAct: false };

  it('is deterministic under a seed and puts the whole chain on the critical path', () => {
    const states = new Map<string, JobState>();
    const input = { ...base, states, now: start, deadline: new Date(start.getTime() + 120 * MIN) };
    const a = forecast(input);
    assert.deepEqual(a, forecast(input));
    assert.deepEqual(a.criticalPath, ['erp/extract', 'dw/load', 'dw/reconcile']);
    assert.ok(a.pBreach < 0.1, `P(breach) ${a.pBreach}`);
    assert.ok(a.eta.p50 < a.eta.p90);
  });

  it('conditions a running job on its elapsed time: a load running 45 minutes ends later', () => {
    const now = new Date(start.getTime() + 70 * MIN);
    const fresh = forecast({ ...base, now, deadline: new Date(start.getTime() + 120 * MIN),
      states: new Map<string, JobState>([['erp/extract', { kind: 'done', endedAt: new Date(start.getTime() + 60 * MIN) }], ['dw/load', { kind: 'running', startedAt: new Date(start.getTime() + 65 * MIN) }]]) });
    const late = forecast({ ...base, now, deadline: new Date(start.getTime() + 120 * MIN),
      states: new Map<string, JobState>([['erp/extract', { kind: 'done', endedAt: new Date(start.getTime() + 20 * MIN) }], ['dw/load', { kind: 'running', startedAt: new Date(start.getTime() + 25 * MIN) }]]) });
    assert.ok(late.eta.p50 >= now, 'a running job ends after now');
    assert.ok(late.eta.p50.getTime() - now.getTime() < fresh.eta.p50.getTime() - now.getTime(), 'less remains of a job that has run longer');
  });

  it('lets a failed job with a retry history raise the breach probability and name the time to act', () => {
    const flaky = new Map(models);
    flaky.set('dw/load', buildJobModel(history(30, 40, 3)));
    const now = new Date(start.getTime() + 50 * MIN);
    const f = forecast({ ...base, models: flaky, now, withTimeToAct: true, threshold: 0.3, deadline: new Date(start.getTime() + 95 * MIN),
      states: new Map<string, JobState>([['erp/extract', { kind: 'done', endedAt: new Date(start.getTime() + 20 * MIN) }], ['dw/load', { kind: 'failed', endedAt: new Date(start.getTime() + 45 * MIN) }]]) });
    assert.ok(f.pBreach > 0.3, `P(breach) ${f.pBreach}`);
    assert.equal(f.timeToAct?.job, 'dw/load');
    const latest = f.timeToAct?.latest;
    assert.ok(latest === null || (latest !== undefined && latest.getTime() < start.getTime() + 95 * MIN));
  });

  it('falls back to a wide guess, and says so, for a job with a short history', () => {
    const m = buildJobModel(history(10, 3));
    assert.equal(m.confidence, 'low');
    assert.ok((m.table[62] ?? 0) > (m.table[32] ?? 0) * 1.5);
  });
});

describe('time buffers', () => {
  const day = (d: number, minute: number) => Date.UTC(2026, 10, 1 + d, 0, minute);
  it('finds a consumer that starts at 02:00 whatever time its input is ready', () => {
    const ends = [80, 95, 150, 100, 130, 85, 140, 90];
    const b = detectTimeBuffer('etl/load', 'bi/report', ends.map((e, d) => ({ upstreamEnd: day(d, e), downstreamStart: day(d, 120 + (d % 2)) })));
    assert.ok(b);
    assert.ok(b.startMinute >= 120 && b.startMinute <= 121, String(b.startMinute));
    assert.equal(b.startedBeforeInput, 3);
    assert.equal(b.worstEarlyMin, 30);
    assert.ok(b.medianIdleMin >= 20);
  });
  it('does not flag a consumer that starts on its input', () => {
    const ends = [80, 95, 150, 100, 130, 85, 140, 90];
    assert.equal(detectTimeBuffer('etl/load', 'bi/report', ends.map((e, d) => ({ upstreamEnd: day(d, e), downstreamStart: day(d, e + 2) }))), undefined);
  });
});
