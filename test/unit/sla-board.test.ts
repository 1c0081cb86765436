import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detailOf, instanceRecords, readDetail } from '../../src/sla/board.ts';
import type { RunRow } from '../../src/sla/instance-sql.ts';
import type { Deadline } from '../../src/sla/schema.ts';
import type { ServiceForecast } from '../../src/sla/service-forecast-type.ts';

const MIN = 60_000;
const DAY = 86_400_000;
const day0 = Date.UTC(2026, 10, 2, 1);
const chain = [{ job: 'erp/extract', after: [] }, { job: 'dw/load', after: ['erp/extract'] }];
const by0300: Deadline = { kind: 'time', at: '03:00', timeZone: 'UTC', calendar: 'daily' };
const run = (job: string, key: string, start: number, minutes: number, state = 'completed'): RunRow => ({
  job, run_key: key, state, scheduled_at: null, started_at: new Date(start), ended_at: new Date(start + minutes * MIN),
});
/** One day's close starting at 01:00: the extract takes 20 minutes, the load `load` minutes after it. */
const day = (d: number, load: number, state = 'completed') => {
  const t = day0 + d * DAY;
  return [run('erp/extract', `d${d}`, t, 20), run('dw/load', `d${d}`, t + 20 * MIN, load, state)];
};

describe('instance history', () => {
  it('tells a late instance from an on-time one, by how much, oldest first', () => {
    const runs = [...day(1, 150), ...day(0, 40)];
    const [first, second] = instanceRecords(chain, by0300, runs, new Date(day0 + 3 * DAY));
    assert.deepEqual(first, {
      key: 'd0', start: new Date(day0), finish: new Date(day0 + 60 * MIN), deadline: new Date(day0 + 2 * 60 * MIN),
      latenessMs: -60 * MIN, outcome: 'on-time',
    });
    assert.equal(second?.key, 'd1');
    assert.equal(second?.latenessMs, 50 * MIN);
    assert.equal(second?.outcome, 'late');
  });

  it('leaves an instance whose last job failed unfinished, missed once its deadline passed', () => {
    const [failed] = instanceRecords(chain, by0300, day(0, 40, 'failed'), new Date(day0 + DAY));
    assert.equal(failed?.finish, null);
    assert.equal(failed?.latenessMs, null);
    assert.equal(failed?.outcome, 'missed');
  });

  it('does not know yet, when looking from before the end, that the instance finished', () => {
    const at = new Date(day0 + 45 * MIN);
    const [open] = instanceRecords(chain, by0300, day(0, 40), at);
    assert.deepEqual([open?.finish, open?.outcome], [null, 'open']);
    const [later] = instanceRecords(chain, by0300, day(0, 40), new Date(day0 + 2.5 * 60 * MIN));
    assert.equal(later?.outcome, 'on-time');
  });

  it('takes the deadline of each instance from its own start, for a duration too', () => {
    const records = instanceRecords(chain, { kind: 'duration', minutes: 45 }, [...day(0, 40), ...day(1, 10)], new Date(day0 + 2 * DAY));
    assert.deepEqual(records.map((r) => [r.key, r.latenessMs === null ? null : r.latenessMs / MIN, r.outcome]), [['d0', 15, 'late'], ['d1', -15, 'on-time']]);
  });
});

describe('forecast detail', () => {
  const at = new Date(day0 + 30 * MIN);
  const forecast: ServiceForecast = {
    service: 'close', at, instance: { key: 'd0', start: new Date(day0), deadline: new Date(day0 + 2 * 60 * MIN) },
    jobs: [
      { job: 'erp/extract', state: 'done', confidence: 'high', samples: 20, expectedEnd: new Date(day0 + 20 * MIN) },
      { job: 'dw/load', state: 'running', confidence: 'high', samples: 20, expectedEnd: new Date(day0 + 70 * MIN) },
    ],
    forecast: {
      pBreach: 0.4, eta: { p50: new Date(day0 + 70 * MIN), p90: new Date(day0 + 125 * MIN) },
      fan: [0.1, 0.5, 0.9].map((q) => ({ q, at: new Date(day0 + (50 + q * 80) * MIN) })),
      slackMs: -5 * MIN, criticalPath: ['erp/extract', 'dw/load'],
      criticality: ['dw/load', 'erp/extract', 'a/1', 'a/2', 'a/3', 'a/4'].map((job, i) => ({ job, share: 1 - i / 10 })),
      timeToAct: { job: 'dw/load', latest: new Date(day0 + 90 * MIN) }, samples: 4_000,
    },
    atRisk: true, downstream: ['dashboard'],
    impact: [{ service: 'dashboard', via: 'close', deadline: new Date(day0 + 3 * 60 * MIN), pMiss: 0.45, atRisk: true, medianLagMs: 20 * MIN, basis: 'history' }],
    summary: 'Close is at risk.',
  };

  it('keeps the most critical jobs with where they stand, and reads back from JSON as it was written', () => {
    const detail = detailOf(forecast);
    assert.deepEqual(detail.criticality.map((c) => [c.job, c.state]), [['dw/load', 'running'], ['erp/extract', 'done'], ['a/1', 'pending'], ['a/2', 'pending'], ['a/3', 'pending']]);
    assert.deepEqual(readDetail(JSON.parse(JSON.stringify(detail))), detail);
  });

  it('reads no detail from a forecast saved before there was one, or from one it cannot read', () => {
    assert.equal(readDetail(null), null);
    assert.equal(readDetail({ fan: 'wide' }), null);
  });
});
