import type { DatasetStat } from '../runs/schema.ts';
import { datasetStat, sizeOf, uniqueStats } from './dataset-stats.ts';
import { openLineageDataset } from './openlineage-lineage.ts';

// Read by hand, like the lineage facets: it runs for every event that ends a run, and a
// malformed statistics facet must cost the event nothing but its sizes.
const record = (v: unknown): Record<string, unknown> | undefined =>
  (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/**
 * The sizes of the datasets a RunEvent wrote, from each output's `outputStatistics` facet
 * (OutputStatisticsOutputDatasetFacet: `rowCount`, `size` in bytes), named as lineage names
 * them. An output without the facet, or whose counts are not non-negative integers, is skipped.
 */
export function openLineageOutputStats(outputs: unknown): DatasetStat[] | undefined {
  if (!Array.isArray(outputs) || outputs.length === 0) return undefined;
  const stats: (DatasetStat | undefined)[] = [];
  for (const o of outputs) {
    const facet = record(record(record(o)?.outputFacets)?.outputStatistics);
    if (!facet) continue;
    const dataset = openLineageDataset(o);
    if (dataset) stats.push(datasetStat(dataset, sizeOf(facet.rowCount), sizeOf(facet.size)));
  }
  return uniqueStats(stats);
}
