import type { DatasetStat, RunEventType } from '../runs/schema.ts';

/**
 * The events after which what an attempt wrote stays written, so its sizes are the dataset's:
 * a completed run, and a failed or aborted one too, since a partial write is what readers meet.
 * Sizes reported while a run is still going describe a write in progress and are not kept.
 */
export const WRITE_ENDED: ReadonlySet<RunEventType> = new Set<RunEventType>(['completed', 'failed', 'aborted', 'retrying']);

/** A count as a stored size: a non-negative safe integer, else nothing. */
export function sizeOf(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/**
 * A dataset's size from its row count and bytes, undefined when neither is given; the fields
 * that are absent stay absent (exactOptionalPropertyTypes).
 */
export function datasetStat(dataset: string, rowCount: number | undefined, bytes: number | undefined): DatasetStat | undefined {
  if (rowCount === undefined && bytes === undefined) return undefined;
  return { dataset, ...(rowCount === undefined ? {} : { rowCount }), ...(bytes === undefined ? {} : { bytes }) };
}

/** Each dataset once (the last size given for it wins); undefined when none is left. */
export function uniqueStats(stats: readonly (DatasetStat | undefined)[]): DatasetStat[] | undefined {
  const byDataset = new Map<string, DatasetStat>();
  for (const s of stats) if (s) byDataset.set(s.dataset, s);
  return byDataset.size === 0 ? undefined : [...byDataset.values()];
}
