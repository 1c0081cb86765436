import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectLineage } from '../../src/runs/lineage.ts';
import type { Lineage, NormalizedRunEvent } from '../../src/runs/schema.ts';

const event = (name: string, time: string, lineage?: Partial<Lineage>): NormalizedRunEvent => ({
  orchestrator: 'generic', source: 'gen', eventType: 'completed', eventTime: new Date(time),
  job: { namespace: 'ns', name }, run: { runKey: time, externalId: time, attempt: 1 }, facets: {},
  ...(lineage ? { lineage: { inputs: [], outputs: [], upstream: [], downstream: [], ...lineage } } : {}),
});

describe('gathering the lineage of a batch', () => {
  it('finds nothing to write in events that carry no lineage', () => {
    assert.equal(collectLineage([event('a', '2026-11-24T01:00:00Z'), event('b', '2026-11-24T02:00:00Z')]), undefined);
  });

  it('keeps each fact once, seen from the earliest to the latest event that said it', () => {
    const batch = collectLineage([
      event('load', '2026-11-24T02:00:00Z', { inputs: ['pg/raw'], upstream: [{ namespace: 'ns', name: 'extract' }] }),
      event('load', '2026-11-24T01:00:00Z', { inputs: ['pg/raw'], upstream: [{ namespace: 'ns', name: 'extract' }] }),
      event('load', '2026-11-24T03:00:00Z', { inputs: ['pg/raw'], downstream: [{ namespace: 'ns', name: 'publish' }] }),
    ]);
    assert.deepEqual(batch?.datasets.map((d) => [d.dataset, d.direction, d.firstSeenAt.getUTCHours(), d.lastSeenAt.getUTCHours()]), [['pg/raw', 'input', 1, 3]]);
    assert.deepEqual(batch?.edges.map((e) => [e.upstreamKey.replace('ns\u0000', ''), e.downstreamKey.replace('ns\u0000', ''), e.firstSeenAt.getUTCHours(), e.lastSeenAt.getUTCHours()]),
      [['extract', 'load', 1, 2], ['load', 'publish', 3, 3]]);
    assert.deepEqual(batch?.jobs.map((j) => j.name), ['extract', 'publish']);
  });
});
