import type { DatasetStat, RunEventType } from '../runs/schema.ts';
import { compact } from './payload.ts';

/**
 * The events after which what an attempt wrote stays written, so its sizes are the dataset's:
 * a completed run, and a failed or aborted one too, since a partial write is what readers meet.
 * Sizes reported while a run is still going describe a write in progress and are not kept.
 */
export const WRITE_ENDED: ReadonlySet<RunEventType> = new Set<RunEventType>(['completed', 'failed', 'aborted', 'retrying']);

/**
 * The events on which a run can say what it read: from its start on, since a reader observes its
 * input when it reads it (a Spark job's START already carries its input metrics). Not on an event
 * of a run that has not begun (scheduled, queued) or never will (skipped).
 */
export const READ_OBSERVED: ReadonlySet<RunEventType> = new Set<RunEventType>(['started', 'running', 'completed', 'failed', 'aborted', 'retrying']);

/** A count as a stored size: a non-negative safe integer, else nothing. */
export function sizeOf(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

type Parts = { [K in Exclude<keyof DatasetStat, 'dataset'>]?: DatasetStat[K] | undefined };

/**
 * What a run said of a dataset, undefined when it said nothing; the fields that are absent stay
 * absent (exactOptionalPropertyTypes).
 */
export function datasetStat(dataset: string, parts: Parts): DatasetStat | undefined {
  const given = compact(parts);
  return Object.keys(given).length === 0 ? undefined : { dataset, ...given };
}

/** Each dataset once (the last observation given for it wins); undefined when none is left. */
export function uniqueStats<T extends { dataset: string }>(stats: readonly (T | undefined)[]): T[] | undefined {
  const byDataset = new Map<string, T>();
  for (const s of stats) if (s) byDataset.set(s.dataset, s);
  return byDataset.size === 0 ? undefined : [...byDataset.values()];
}
