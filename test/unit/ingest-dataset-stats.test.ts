import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Adapter } from '../../src/ingest/adapter.ts';
import { genericAdapter } from '../../src/ingest/generic.ts';
import { openLineageAdapter } from '../../src/ingest/openlineage.ts';
import { collectDatasetStats } from '../../src/runs/dataset-stats.ts';
import { NormalizedRunEvent } from '../../src/runs/schema.ts';
import { sharedData } from '../support/deps.ts';

const ctx = { timeZone: 'UTC', receivedAt: new Date('2026-11-24T00:00:00Z') };
const read = (...p: string[]) => JSON.parse(readFileSync(sharedData('formats', 'openlineage', 'examples', ...p), 'utf8')) as Record<string, unknown>;
const eventsOf = (adapter: Adapter, payload: unknown) => {
  const r = adapter(payload, ctx);
  assert.equal(r.kind, 'events', JSON.stringify(r));
  return r.kind === 'events' ? NormalizedRunEvent.array().parse(r.events) : [];
};
const olWrite = (eventType: string, outputs: unknown) => ({
  eventType, eventTime: '2026-11-24T01:40:00Z', job: { namespace: 'wh', name: 'load' }, run: { runId: 'l1' }, outputs,
});

describe('dataset sizes from OpenLineage events', () => {
  it('takes the Marquez full event\'s outputStatistics as the size of its output, named as lineage names it', () => {
    const [e] = eventsOf(openLineageAdapter, read('marquez', 'event_full.json'));
    assert.equal(e?.eventType, 'completed');
    assert.deepEqual(e?.outputStats, [{ dataset: 'my-datasource-namespace/instance.schema.table', rowCount: 2000, bytes: 2097152 }]);
    assert.ok(e?.lineage?.outputs.includes('my-datasource-namespace/instance.schema.table'));
  });

  it('keeps no size from the Spark START event, whose write has not ended', () => {
    const start = read('openlineage-repo', 'spark_serde_event_with_errorMessage.json');
    assert.equal(eventsOf(openLineageAdapter, start)[0]?.outputStats, undefined);
  });

  it('keeps the size a failed or aborted run left behind: a partial write is what readers meet', () => {
    const spark = read('openlineage-repo', 'spark_serde_event_with_errorMessage.json');
    for (const eventType of ['FAIL', 'ABORT']) {
      const [e] = eventsOf(openLineageAdapter, { ...spark, eventType });
      assert.deepEqual(e?.outputStats, [{ dataset: 'ons/output', rowCount: 10, bytes: 20 }]);
    }
  });

  it('reads no size from input statistics: a size is what the writer reported', () => {
    const [e] = eventsOf(openLineageAdapter, read('marquez', 'event_full.json'));
    assert.ok(e?.outputStats?.every((s) => e.lineage?.outputs.includes(s.dataset)));
    assert.equal(eventsOf(openLineageAdapter, { ...read('openlineage-repo', 'spark_serde_event_with_errorMessage.json'), eventType: 'COMPLETE', outputs: [] })[0]?.outputStats, undefined);
  });

  it('gives events without statistics no sizes at all, as the dbt run\'s events', () => {
    const dbt = (JSON.parse(readFileSync(sharedData('formats', 'openlineage', 'examples', 'openlineage-repo', 'dbt_failed_run_ol_events.json'), 'utf8')) as unknown[])
      .flatMap((p) => eventsOf(openLineageAdapter, p));
    assert.ok(dbt.length > 0 && dbt.every((e) => !('outputStats' in e)));
  });

  it('skips counts that are not non-negative integers, and outputs without a name, keeping the event', () => {
    const [e] = eventsOf(openLineageAdapter, olWrite('COMPLETE', [
      { namespace: 'warehouse', name: 'a', outputFacets: { outputStatistics: { rowCount: 'many', size: -1 } } },
      { namespace: 'warehouse', name: 'b', outputFacets: { outputStatistics: { rowCount: 12.5, size: 4096 } } },
      { namespace: 'warehouse', name: 'c', outputFacets: { outputStatistics: { rowCount: 7 } } },
      { name: 'no-namespace', outputFacets: { outputStatistics: { rowCount: 3 } } },
      { namespace: 'warehouse', name: 'd', outputFacets: { outputStatistics: 'broken' } },
    ]));
    assert.deepEqual(e?.outputStats, [{ dataset: 'warehouse/b', bytes: 4096 }, { dataset: 'warehouse/c', rowCount: 7 }]);
    assert.equal(e?.eventType, 'completed');
  });
});

describe('dataset sizes from generic events', () => {
  const base = { job: { namespace: 'wh', name: 'load' }, run: { id: 'l1', key: 'day-21' }, type: 'completed', time: '2026-11-24T01:40:00Z' };

  it('takes rowCount and bytes from the outputs, each dataset once', () => {
    const [e] = eventsOf(genericAdapter, { ...base, outputs: [
      { namespace: 'warehouse', name: 'dw.ledger', rowCount: 1_000_000, bytes: 240_000_000 },
      { namespace: 'warehouse', name: 'dw.fx', bytes: 8_192 },
      { namespace: 'warehouse', name: 'dw.audit' },
    ] });
    assert.deepEqual(e?.outputStats, [{ dataset: 'warehouse/dw.ledger', rowCount: 1_000_000, bytes: 240_000_000 }, { dataset: 'warehouse/dw.fx', bytes: 8_192 }]);
    assert.deepEqual(e?.lineage?.outputs, ['warehouse/dw.ledger', 'warehouse/dw.fx', 'warehouse/dw.audit']);
  });

  it('still takes outputs without sizes, as before, and then carries none', () => {
    const [e] = eventsOf(genericAdapter, { ...base, outputs: [{ namespace: 'warehouse', name: 'dw.ledger' }] });
    assert.equal(e?.outputStats, undefined);
    assert.deepEqual(e?.lineage?.outputs, ['warehouse/dw.ledger']);
  });

  it('takes the size of a failed run\'s partial write', () => {
    const [e] = eventsOf(genericAdapter, { ...base, type: 'failed', error: { message: 'disk full' }, outputs: [{ namespace: 'warehouse', name: 'dw.ledger', rowCount: 312_000 }] });
    assert.deepEqual(e?.outputStats, [{ dataset: 'warehouse/dw.ledger', rowCount: 312_000 }]);
  });

  it('refuses a size on an event of a run still going, with its path', () => {
    const r = genericAdapter({ ...base, type: 'running', outputs: [{ namespace: 'warehouse', name: 'dw.ledger', rowCount: 10 }] }, ctx);
    assert.equal(r.kind, 'rejected');
    assert.deepEqual(r.kind === 'rejected' ? r.issues.map((i) => i.path) : [], [['outputs', 0, 'rowCount']]);
    assert.match(r.kind === 'rejected' ? r.issues[0]?.message ?? '' : '', /ends the run/);
  });

  it('refuses a negative or fractional count, a misspelt size, and a size on an input of a run not begun', () => {
    const paths = (payload: object) => {
      const r = genericAdapter({ ...base, ...payload }, ctx);
      return r.kind === 'rejected' ? r.issues.map((i) => i.path.join('.')) : [];
    };
    assert.deepEqual(paths({ outputs: [{ namespace: 'w', name: 'a', rowCount: -1 }, { namespace: 'w', name: 'b', bytes: 1.5 }] }), ['outputs.0.rowCount', 'outputs.1.bytes']);
    assert.deepEqual(paths({ outputs: [{ namespace: 'w', name: 'a', rows: 10 }] }), ['outputs.0']);
    assert.deepEqual(paths({ inputs: [{ namespace: 'w', name: 'a', rows: 10 }] }), ['inputs.0']);
    assert.deepEqual(paths({ type: 'queued', inputs: [{ namespace: 'w', name: 'a', rowCount: 10 }] }), ['inputs.0.rowCount']);
  });
});

describe('collecting a batch\'s sizes', () => {
  const write = (runKey: string, time: string, rowCount: number) => eventsOf(genericAdapter, {
    job: { namespace: 'wh', name: 'load' }, run: { id: `${runKey}-${time}`, key: runKey }, type: 'completed', time,
    outputs: [{ namespace: 'warehouse', name: 'dw.ledger', rowCount }],
  })[0] as NormalizedRunEvent;

  it('keeps the latest size of each dataset, job and run, whatever the order of the events', () => {
    const batch = collectDatasetStats([
      write('day-21', '2026-11-21T02:40:00Z', 1_000_000), write('day-21', '2026-11-21T01:40:00Z', 300_000), write('day-20', '2026-11-20T01:40:00Z', 990_000),
    ]);
    assert.deepEqual(batch?.rows.map((r) => [r.runKey, r.rowCount, r.bytes, r.observedAt.toISOString()]), [
      ['day-21', 1_000_000, null, '2026-11-21T02:40:00.000Z'], ['day-20', 990_000, null, '2026-11-20T01:40:00.000Z'],
    ]);
  });

  it('is nothing at all for events without sizes', () => {
    const [e] = eventsOf(genericAdapter, { job: { namespace: 'a', name: 'b' }, run: { id: 'r' }, type: 'completed', time: '2026-11-24T01:00:00Z' });
    assert.equal(collectDatasetStats(e ? [e] : []), undefined);
  });
});
