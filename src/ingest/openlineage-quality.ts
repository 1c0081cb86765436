import { MAX_METRIC_NAME, MAX_QUALITY_COLUMNS, MAX_QUANTILES, type ColumnMetrics, type DataQuality } from '../runs/schema.ts';
import { sizeOf } from './dataset-stats.ts';

// Read by hand, like the statistics facets: a malformed metric costs the event only that metric.
const record = (v: unknown): Record<string, unknown> | undefined =>
  (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const METRICS = ['nullCount', 'distinctCount', 'sum', 'count', 'min', 'max'] as const;

/** Named numbers, the first `max` of them whose name fits; undefined when none does. */
function numbers<T>(v: unknown, max: number, read: (x: unknown) => T | undefined): Record<string, T> | undefined {
  const entries: [string, T][] = [];
  for (const [name, x] of Object.entries(record(v) ?? {})) {
    if (entries.length >= max) break;
    const value = name.length > 0 && name.length <= MAX_METRIC_NAME ? read(x) : undefined;
    if (value !== undefined) entries.push([name, value]);
  }
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

function column(v: unknown): ColumnMetrics | undefined {
  const r = record(v);
  if (!r) return undefined;
  const out: ColumnMetrics = {};
  for (const k of METRICS) {
    const n = finite(r[k]);
    if (n !== undefined) out[k] = n;
  }
  const quantiles = numbers(r.quantiles, MAX_QUANTILES, finite);
  if (quantiles) out.quantiles = quantiles;
  return Object.keys(out).length === 0 ? undefined : out;
}

/**
 * The quality part of a `dataQualityMetrics` facet (DataQualityMetricsInputDatasetFacet:
 * `fileCount`, and `columnMetrics` of `nullCount`, `distinctCount`, `sum`, `count`, `min`, `max`,
 * `quantiles`); its `rowCount` and `bytes` are sizes, read apart. Anything not a finite number is
 * dropped, and so are columns past the first 200.
 */
export function openLineageQuality(facet: Record<string, unknown> | undefined): DataQuality | undefined {
  if (!facet) return undefined;
  const fileCount = sizeOf(facet.fileCount);
  const columnMetrics = numbers(facet.columnMetrics, MAX_QUALITY_COLUMNS, column);
  if (fileCount === undefined && columnMetrics === undefined) return undefined;
  return { ...(fileCount === undefined ? {} : { fileCount }), ...(columnMetrics === undefined ? {} : { columnMetrics }) };
}
