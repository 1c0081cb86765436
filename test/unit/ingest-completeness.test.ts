import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Adapter } from '../../src/ingest/adapter.ts';
import { genericAdapter } from '../../src/ingest/generic.ts';
import { openLineageAdapter } from '../../src/ingest/openlineage.ts';
import { NormalizedRunEvent } from '../../src/runs/schema.ts';
import { sharedData } from '../support/deps.ts';

const ctx = { timeZone: 'UTC', receivedAt: new Date('2026-11-24T00:00:00Z') };
const read = (...p: string[]) => JSON.parse(readFileSync(sharedData('formats', 'openlineage', 'examples', ...p), 'utf8')) as Record<string, unknown>;
const eventOf = (adapter: Adapter, payload: unknown) => {
  const r = adapter(payload, ctx);
  assert.equal(r.kind, 'events', JSON.stringify(r));
  return r.kind === 'events' ? NormalizedRunEvent.array().parse(r.events)[0] : undefined;
};
const issues = (payload: unknown) => {
  const r = genericAdapter(payload, ctx);
  return r.kind === 'rejected' ? r.issues.map((i) => `${i.path.join('.')}: ${i.message}`) : [];
};

describe('completeness signals from OpenLineage events', () => {
  it('takes what the Spark reader saw of its input from dataQualityMetrics, column metrics as quality', () => {
    const e = eventOf(openLineageAdapter, read('openlineage-repo', 'spark_serde_event_with_errorMessage.json'));
    assert.equal(e?.eventType, 'started');
    assert.deepEqual(e?.inputStats, [{
      dataset: 'ins/input', rowCount: 10, bytes: 20,
      quality: { fileCount: 5, columnMetrics: { mycol: { nullCount: 1, distinctCount: 10, sum: 3000, count: 10, min: 5, max: 30, quantiles: { 25: 52 } } } },
    }]);
  });

  it('takes inputStatistics, the expected row count of Medic\'s completeness facet, and metrics on outputs', () => {
    const e = eventOf(openLineageAdapter, {
      eventType: 'COMPLETE', eventTime: '2026-11-24T01:40:00Z', job: { namespace: 'wh', name: 'load' }, run: { runId: 'l1' },
      inputs: [{ namespace: 'erp', name: 'gl', inputFacets: { inputStatistics: { rowCount: 10_300, size: 2_472_000 } } }],
      outputs: [{ namespace: 'warehouse', name: 'dw.ledger', outputFacets: {
        outputStatistics: { rowCount: 4_120 }, completeness: { expectedRowCount: 10_300 },
        dataQualityMetrics: { columnMetrics: { amount: { nullCount: 0, sum: 'lots', quantiles: { '0.5': 12.5, p99: null } } } },
      } }],
    });
    assert.deepEqual(e?.inputStats, [{ dataset: 'erp/gl', rowCount: 10_300, bytes: 2_472_000 }]);
    assert.deepEqual(e?.outputStats, [{ dataset: 'warehouse/dw.ledger', rowCount: 4_120, expectedRows: 10_300, quality: { columnMetrics: { amount: { nullCount: 0, quantiles: { '0.5': 12.5 } } } } }]);
  });

  it('loses only the malformed facet, and keeps at most 200 columns of metrics', () => {
    const columnMetrics = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`c${i}`, { nullCount: i }]));
    const e = eventOf(openLineageAdapter, {
      eventType: 'COMPLETE', eventTime: '2026-11-24T01:40:00Z', job: { namespace: 'wh', name: 'load' }, run: { runId: 'l1' },
      inputs: [{ namespace: 'erp', name: 'gl', inputFacets: { dataQualityMetrics: { rowCount: 7, columnMetrics } } }],
      outputs: [{ namespace: 'warehouse', name: 'dw.ledger', outputFacets: { outputStatistics: { rowCount: 7 }, completeness: { expectedRowCount: -3 } } }],
    });
    assert.deepEqual(e?.outputStats, [{ dataset: 'warehouse/dw.ledger', rowCount: 7 }]);
    assert.equal(Object.keys(e?.inputStats?.[0]?.quality?.columnMetrics ?? {}).length, 200);
  });
});

describe('completeness signals from generic events', () => {
  const base = { job: { namespace: 'wh', name: 'reconcile' }, run: { id: 'r1' }, type: 'completed', time: '2026-11-24T02:20:00Z' };

  it('takes expected rows and quality on outputs, and what a reader saw of its inputs', () => {
    const e = eventOf(genericAdapter, {
      ...base,
      inputs: [{ namespace: 'warehouse', name: 'dw.ledger', rowCount: 4_120, quality: { amount: { nullCount: 3, min: -2.5 } } }],
      outputs: [{ namespace: 'warehouse', name: 'dw.reconciliation', rowCount: 1_100, expectedRows: 1_200 }],
    });
    assert.deepEqual(e?.inputStats, [{ dataset: 'warehouse/dw.ledger', rowCount: 4_120, quality: { columnMetrics: { amount: { nullCount: 3, min: -2.5 } } } }]);
    assert.deepEqual(e?.outputStats, [{ dataset: 'warehouse/dw.reconciliation', rowCount: 1_100, expectedRows: 1_200 }]);
  });

  it('refuses unknown metrics, too many columns, and an expected count on a run still going, with their paths', () => {
    const wide = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`c${i}`, { nullCount: 0 }]));
    assert.deepEqual(issues({ ...base, inputs: [{ namespace: 'w', name: 'a', quality: { amount: { nulls: 3 } } }] }).map((i) => i.split(':')[0]), ['inputs.0.quality.amount']);
    assert.deepEqual(issues({ ...base, outputs: [{ namespace: 'w', name: 'a', quality: wide }] }), ['outputs.0.quality: at most 200 columns']);
    assert.deepEqual(issues({ ...base, type: 'running', outputs: [{ namespace: 'w', name: 'a', expectedRows: 10 }] }).map((i) => i.split(':')[0]), ['outputs.0.expectedRows']);
  });
});
