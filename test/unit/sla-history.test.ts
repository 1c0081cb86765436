import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { downstreamChain, downstreamImpact } from '../../src/sla/downstream.ts';
import { forecast, type JobState } from '../../src/sla/forecast.ts';
import type { RunRow } from '../../src/sla/instance-sql.ts';
import { jobModels } from '../../src/sla/job-models.ts';
import { buildJobModel } from '../../src/sla/model.ts';
import { makespans, pastInstances, startDelays } from '../../src/sla/past-instances.ts';
import { ServiceDefinition } from '../../src/sla/schema.ts';

const MIN = 60_000;
const DAY = 86_400_000;
const day0 = Date.UTC(2026, 10, 2, 1);
const run = (job: string, key: string, start: number, minutes: number, state = 'completed'): RunRow => ({
  job, run_key: key, state, scheduled_at: null, started_at: new Date(start), ended_at: new Date(start + minutes * MIN),
});
const chain = [{ job: 'erp/extract', after: [] }, { job: 'dw/load', after: ['erp/extract'] }];

/** Ten days in which the load waits 20 minutes for a slot after its extract ends. */
function waitingDays(): RunRow[] {
  return Array.from({ length: 10 }, (_, d) => {
    const t = day0 + d * DAY;
    return [run('erp/extract', `d${d}`, t, 20), run('dw/load', `d${d}`, t + 40 * MIN, 30)];
  }).flat();
}

describe('past instances', () => {
  it('groups runs that share a key and learns how long a job waits after its inputs are ready', () => {
    const instances = pastInstances(chain, waitingDays());
    assert.equal(instances.length, 10);
    assert.deepEqual(startDelays(chain, instances).get('dw/load'), Array(10).fill(20 * MIN));
    assert.deepEqual(makespans(chain, instances), Array(10).fill(70 * MIN));
  });

  it('keeps two submissions of one day apart when their keys differ', () => {
    const runs = [run('app/kyc', 'app-1', day0, 4), run('app/kyc', 'app-2', day0 + 30 * MIN, 5), run('app/open', 'app-2', day0 + 36 * MIN, 3)];
    const instances = pastInstances([{ job: 'app/kyc', after: [] }, { job: 'app/open', after: ['app/kyc'] }], runs);
    assert.deepEqual(instances.map((i) => [i.key, [...i.runs.keys()]]), [['app-1', ['app/kyc']], ['app-2', ['app/kyc', 'app/open']]]);
  });

  it('joins runs with no common key to the instance that began within the day before them', () => {
    const runs = [run('ctm/a', 'j1', day0, 10), run('ctm/b', 'j7', day0 + 15 * MIN, 10), run('ctm/a', 'j9', day0 + DAY, 10)];
    const instances = pastInstances([{ job: 'ctm/a', after: [] }, { job: 'ctm/b', after: ['ctm/a'] }], runs);
    assert.deepEqual(instances.map((i) => i.runs.size), [2, 1]);
  });
});

describe('job models from history', () => {
  it('draws the learned wait, so a job that waits 20 minutes for a slot ends 20 minutes later', () => {
    const runs = waitingDays();
    const histories = new Map(chain.map((j) => [j.job, {
      attempts: runs.filter((r) => r.job === j.job).map((r) => ({ startedAt: r.started_at as Date, durationMs: ((r.ended_at as Date).getTime() - (r.started_at as Date).getTime()), failed: false })),
      retryDelaysMs: [],
    }]));
    const start = new Date(day0 + 10 * DAY);
    const models = jobModels(chain, histories, runs, start);
    assert.ok(models.get('dw/load')?.startDelay, 'a start delay is learned');
    assert.equal(models.get('erp/extract')?.startDelay, undefined, 'a job that starts with its instance has none');
    const f = forecast({ jobs: chain, models, states: new Map<string, JobState>(), start, now: start, deadline: new Date(start.getTime() + 3 * 3_600_000), samples: 2_000, withTimeToAct: false });
    const minutes = (f.eta.p50.getTime() - start.getTime()) / MIN;
    assert.ok(minutes > 66 && minutes < 74, `p50 ${minutes} min after the start, 70 expected`);
  });

  it('takes the retry delay from the gaps history shows after failed attempts', () => {
    const attempts = Array.from({ length: 30 }, (_, k) => ({ startedAt: new Date(day0 + k * DAY), durationMs: 10 * MIN, failed: false }));
    assert.equal(buildJobModel(attempts, { retryDelaysMs: [9 * MIN, 11 * MIN, 10 * MIN] }).retryDelayMs, 10 * MIN);
    assert.equal(buildJobModel(attempts, { retryDelaysMs: [9 * MIN] }).retryDelayMs, 5 * MIN, 'one gap is not a pattern');
  });

  it('weighs runs near the instance hour: a job slow in the morning rush is slow at 09:00', () => {
    const attempts = Array.from({ length: 60 }, (_, k) => {
      const morning = k % 2 === 0;
      return { startedAt: new Date(day0 + Math.floor(k / 2) * DAY + (morning ? 8 : 2) * 3_600_000), durationMs: (morning ? 30 : 10) * MIN, failed: false };
    });
    const at9 = buildJobModel(attempts, { hour: 9 });
    const at3 = buildJobModel(attempts, { hour: 3 });
    assert.ok((at9.table[40] ?? 0) > (at3.table[40] ?? 0), 'the 60th percentile moves with the hour');
  });
});

describe('downstream impact', () => {
  const def = (yaml: Record<string, unknown>) => ServiceDefinition.parse(yaml);
  const services = new Map([
    ['close', def({ name: 'close', jobs: [{ job: 'a/x' }], deadline: { kind: 'time', at: '03:00', timeZone: 'UTC' }, downstream: ['dash', 'feed'] })],
    ['dash', def({ name: 'dash', jobs: [{ job: 'a/y' }], deadline: { kind: 'time', at: '03:30', timeZone: 'UTC' }, downstream: ['pack'] })],
    ['feed', def({ name: 'feed', jobs: [{ job: 'a/z' }], deadline: { kind: 'duration', minutes: 30 } })],
  ]);
  const start = new Date(Date.UTC(2026, 10, 24, 1));
  const at = (h: number, m: number) => Date.UTC(2026, 10, 24, h, m);

  it('follows the services downstream breadth first, each with the service it is reached through', () => {
    assert.deepEqual(downstreamChain('close', services), [{ name: 'dash', via: 'close' }, { name: 'feed', via: 'close' }, { name: 'pack', via: 'dash' }]);
  });

  it('gives a downstream service its chance to miss from the upstream finish plus its own past makespans', () => {
    // Half the samples end the close at 03:00, half at 03:20; the dashboard then takes 15 minutes.
    const finish = Float64Array.from({ length: 1_000 }, (_, k) => (k % 2 ? at(3, 0) : at(3, 20)));
    const chain = downstreamChain('close', services).map((d) => ({ ...d, def: services.get(d.name), makespansMs: d.name === 'pack' ? [] : [15 * MIN] }));
    const impact = downstreamImpact(finish, start, chain);
    assert.deepEqual(impact.map((i) => [i.service, i.basis, i.pMiss]), [['dash', 'history', 0.5], ['feed', 'own-clock', null], ['pack', 'unknown', null]]);
    assert.equal(impact[0]?.deadline?.toISOString(), '2026-11-24T03:30:00.000Z');
    assert.equal(impact[0]?.atRisk, true);
    assert.deepEqual(downstreamImpact(finish, start, chain), impact, 'deterministic under the seed');
  });
});
