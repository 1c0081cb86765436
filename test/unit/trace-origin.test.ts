import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { originOf } from '../../src/trace/origin.ts';
import { renderOrigin, renderTrace } from '../../src/trace/render.ts';
import type { Trace, TraceDatasetVersion, TraceJob } from '../../src/trace/types.ts';

const START = Date.parse('2026-11-23T01:00:00Z');
const iso = (min: number) => new Date(START + min * 60_000).toISOString();

interface Spec { start: number; end: number | null; state?: string; failedAttempts?: number; writes?: Partial<TraceDatasetVersion>[]; staleRead?: string }

/**
 * A pipeline whose usual day is: extract 0–20, load 22–52 (after extract), report 55–65 (after
 * load), and export 60–70, which starts on a clock and reads what load wrote (linked only by timing).
 */
function trace(today: Record<string, Spec>, deadlineMin = 180): Trace {
  const usual: Record<string, { start: number; end: number; wait: number }> = {
    'etl/extract': { start: 0, end: 20, wait: 0 }, 'etl/load': { start: 22, end: 52, wait: 2 },
    'etl/report': { start: 55, end: 65, wait: 3 }, 'ops/export': { start: 60, end: 70, wait: 8 },
  };
  const jobs: TraceJob[] = Object.entries(usual).map(([job, u]) => {
    const s = today[job];
    const writes = (s?.writes ?? []).map((w) => ({ dataset: `${job}.out`, writer: { job, runKey: 'k' }, writtenAt: null, rowCount: 1000, bytes: null, expectedRows: null, quality: null, suspect: false, share: null, assessment: null, ...w }));
    return {
      job, orchestrator: job.startsWith('ops') ? 'controlm' : 'openlineage', role: 'member',
      run: s ? {
        runKey: 'k', externalId: 'x', state: s.state ?? (s.end === null ? 'running' : 'completed'), attempts: 1 + (s.failedAttempts ?? 0), failedAttempts: s.failedAttempts ?? 0,
        scheduledAt: null, startedAt: iso(s.start), endedAt: s.end === null ? null : iso(s.end), durationMs: null, error: null, parent: null,
      } : null,
      usual: {
        instances: 20, start: { p50: u.start, p90: u.start + 3, mad: 1 }, end: { p50: u.end, p90: u.end + 5, mad: 2 },
        duration: { p50: u.end - u.start, p90: u.end - u.start + 4, mad: 2 }, wait: { p50: u.wait, p90: u.wait + 3, mad: 1 },
      },
      startMin: s ? s.start : null, endMin: s?.end ?? null, writes,
      reads: s?.staleRead ? [{ dataset: s.staleRead, writer: { job: 'etl/load', runKey: 'k' }, writtenAt: null, rowCount: 1000, bytes: null, expectedRows: null, quality: null, suspect: false, share: null, assessment: null, stale: true }] : [],
    };
  });
  const ended = jobs.flatMap((j) => (j.endMin === null ? [] : [j.endMin]));
  return {
    service: 'etl', key: 'k', start: iso(0), deadline: iso(deadlineMin), at: iso(Math.max(...ended, 0) + 1), live: jobs.some((j) => j.endMin === null),
    usualEnd: { p50: 70, p90: 75, mad: 2 }, jobs,
    edges: [
      { upstream: 'etl/extract', downstream: 'etl/load', kinds: ['dataset'], datasets: ['etl/extract.out'] },
      { upstream: 'etl/load', downstream: 'etl/report', kinds: ['declared'], datasets: [] },
      { upstream: 'etl/load', downstream: 'ops/export', kinds: ['inferred'], datasets: [], why: 'timing' },
    ],
  };
}

const usualDay: Record<string, Spec> = {
  'etl/extract': { start: 0, end: 21 }, 'etl/load': { start: 23, end: 52 }, 'etl/report': { start: 55, end: 66 }, 'ops/export': { start: 60, end: 70 },
};

describe('where a problem began', () => {
  it('names no origin on a usual day, even with a retry that cost nothing', () => {
    const r = originOf(trace({ ...usualDay, 'etl/report': { start: 55, end: 66, failedAttempts: 1 } }));
    assert.equal(r.origin, null);
    assert.deepEqual(r.problems, []);
    assert.match(r.unknown ?? '', /no problem seen/);
    assert.deepEqual(r.candidates.map((c) => [c.job, c.verdict]), [['etl/report', 'not-origin']]);
  });

  it('puts a failure that later jobs inherit where it first happened, not on the latest failure', () => {
    const r = originOf(trace({
      'etl/extract': { start: 0, end: 21 }, 'etl/load': { start: 23, end: 30, state: 'failed', failedAttempts: 2 },
      'ops/export': { start: 60, end: 61, state: 'failed' },
    }));
    assert.equal(r.origin?.job, 'etl/load');
    assert.ok(r.problems.some((p) => p.kind === 'failure' && p.job === 'ops/export'));
    assert.equal(r.candidates.find((c) => c.job === 'ops/export')?.verdict, 'inherited');
    assert.deepEqual(r.blast?.reruns.map((x) => x.job), ['ops/export']);
  });

  it('splits lateness along the critical path and names the job that added it', () => {
    const r = originOf(trace({
      'etl/extract': { start: 0, end: 21 }, 'etl/load': { start: 23, end: 170 }, 'etl/report': { start: 173, end: 184 }, 'ops/export': { start: 60, end: 200, staleRead: 'etl/load.out' },
    }));
    assert.equal(r.origin?.job, 'etl/load');
    assert.ok((r.origin?.lateMinutes ?? 0) >= 100, JSON.stringify(r.origin));
    assert.ok(r.origin?.anomalies.includes('slow'));
    // The clock-started export read before load finished, but load's own delay is the origin.
    assert.ok(r.problems.some((p) => p.kind === 'stale-input' && p.job === 'ops/export'));
    assert.ok(r.problems.some((p) => p.kind === 'late' && p.against === 'deadline'));
  });

  it('walks partial data up to the earliest version far from its usual size', () => {
    const short = { suspect: true, rowCount: 400, share: 0.4, assessment: 'wrote 400 rows, 40 % of its usual 1,000' };
    const r = originOf(trace({ ...usualDay, 'etl/extract': { start: 0, end: 21, writes: [short] }, 'etl/load': { start: 23, end: 50, writes: [short] } }));
    assert.equal(r.origin?.job, 'etl/extract');
    assert.equal(r.candidates.find((c) => c.job === 'etl/load')?.verdict, 'inherited');
    assert.deepEqual(r.blast?.reruns.map((x) => x.job), ['etl/load', 'etl/report', 'ops/export']);
    assert.match(r.blast?.proposal ?? '', /rerun these 3 in order once extract is fixed: load → report → export/);
  });

  it('blames a consumer that did not wait for an input that ran as usual', () => {
    const r = originOf(trace({ ...usualDay, 'ops/export': { start: 40, end: 50 } }));
    assert.equal(r.origin?.job, 'ops/export');
    assert.ok(r.origin?.anomalies.includes('stale-input'));
  });

  it('keeps to the incident\'s own job when asked, and reads as text', () => {
    const t = trace({ ...usualDay, 'etl/report': { start: 55, end: 60, state: 'failed' } });
    const r = originOf(t, { focus: 'etl/report' });
    assert.equal(r.origin?.job, 'etl/report');
    assert.match(renderOrigin(r), /probable origin: etl\/report/);
    assert.match(renderTrace(t), /report\s+failed/);
  });
});
