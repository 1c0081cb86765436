import type { DatasetObservation, DatasetStat } from '../runs/schema.ts';
import { datasetStat, sizeOf, uniqueStats } from './dataset-stats.ts';
import { openLineageDataset } from './openlineage-lineage.ts';
import { openLineageQuality } from './openlineage-quality.ts';

// Read by hand, like the lineage facets: it runs for every event that ends a run, and a
// malformed facet must cost the event nothing but what that facet said.
const record = (v: unknown): Record<string, unknown> | undefined =>
  (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/**
 * What a dataset's facets say of it: the statistics facet's `rowCount` and `size` (bytes), else
 * the `dataQualityMetrics` facet's `rowCount` and `bytes`, and the latter's quality metrics.
 */
function observed(facets: Record<string, unknown> | undefined, statistics: string) {
  const stats = record(facets?.[statistics]);
  const dq = record(facets?.dataQualityMetrics);
  return {
    rowCount: sizeOf(stats?.rowCount) ?? sizeOf(dq?.rowCount),
    bytes: sizeOf(stats?.size) ?? sizeOf(dq?.bytes),
    quality: openLineageQuality(dq),
  };
}

/** Each listed dataset with a name, as `read` makes it of its facets; undefined when none says anything. */
function each<T extends { dataset: string }>(list: unknown, facetsKey: string, read: (dataset: string, facets: Record<string, unknown> | undefined) => T | undefined): T[] | undefined {
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const out: (T | undefined)[] = [];
  for (const d of list) {
    const facets = record(record(d)?.[facetsKey]);
    if (!facets) continue;
    const dataset = openLineageDataset(d);
    if (dataset) out.push(read(dataset, facets));
  }
  return uniqueStats(out);
}

/**
 * What a RunEvent wrote, named as lineage names datasets: each output's `outputStatistics`
 * (rowCount, size in bytes) or `dataQualityMetrics`, and the row count Medic's own `completeness`
 * output facet says the writer expected (`{"completeness": {"expectedRowCount": 10300}}`). An
 * output without them, or whose counts are not non-negative integers, is skipped.
 */
export function openLineageOutputStats(outputs: unknown): DatasetStat[] | undefined {
  return each(outputs, 'outputFacets', (dataset, facets) => datasetStat(dataset, {
    ...observed(facets, 'outputStatistics'),
    expectedRows: sizeOf(record(facets?.completeness)?.expectedRowCount),
  }));
}

/**
 * What a RunEvent's reader saw of its inputs: each input's `inputStatistics` (rowCount, size) or
 * `dataQualityMetrics` (rowCount, bytes, and column metrics), from its `inputFacets`.
 */
export function openLineageInputStats(inputs: unknown): DatasetObservation[] | undefined {
  return each(inputs, 'inputFacets', (dataset, facets) => datasetStat(dataset, observed(facets, 'inputStatistics')));
}
