/**
 * Glossary (see DESIGN.md):
 * - source: an orchestrator instance that sends events (an Airflow deployment, a Control-M server…).
 * - job: a unit of work in a source, identified by namespace + name.
 * - run: one execution of a job for one schedule slot or trigger; it can have several attempts.
 * - attempt: one try of a run (Airflow's try_number, an Argo retry child, Control-M's numberOfRuns).
 * - run event: one thing a source said about a run, stored as received and normalized.
 */
import { z } from 'zod';

/** The orchestrators Medic has an adapter for; `generic` is the documented fallback format. */
export const Orchestrator = z.enum(['openlineage', 'airflow', 'argo', 'controlm', 'generic']);
export type Orchestrator = z.infer<typeof Orchestrator>;

/** What a source said happened to a run attempt. */
export const RunEventType = z.enum([
  'scheduled', // planned for a slot, not yet queued
  'queued', // waiting for a worker
  'started', // began executing
  'running', // still executing (heartbeat or progress)
  'completed', // ended well
  'failed', // ended badly
  'aborted', // killed, cancelled or timed out
  'skipped', // will not run for this slot
  'retrying', // failed and will be tried again
]);
export type RunEventType = z.infer<typeof RunEventType>;

/** Where a run stands; one of the event types, folded from the events seen so far. */
export const RunState = RunEventType;
export type RunState = RunEventType;

export const JobRef = z.object({
  namespace: z.string().min(1).max(500),
  name: z.string().min(1).max(1000),
});
export type JobRef = z.infer<typeof JobRef>;

/** A time as a payload or a query gives it: ISO 8601 with an offset, so that it names one instant. */
export const IsoTime = z.string().refine((s) => /[zZ]|[+-]\d\d:?\d\d$/.test(s) && !Number.isNaN(Date.parse(s)), {
  message: 'must be an ISO 8601 date-time with an offset, e.g. 2026-11-24T09:12:03Z',
});

/** A dataset as lineage names it: `namespace/name`, e.g. `postgres://dw:5432/finance.ledger`. */
export const DatasetName = z.string().min(3).max(2_000);

/**
 * What an event says about the job's place in a pipeline: the datasets it read and wrote, and
 * the jobs its orchestrator declares it waits for (`upstream`) or feeds (`downstream`).
 */
export const Lineage = z.object({
  inputs: z.array(DatasetName),
  outputs: z.array(DatasetName),
  upstream: z.array(JobRef),
  downstream: z.array(JobRef),
});
export type Lineage = z.infer<typeof Lineage>;

/** Metrics of one column as a data-quality tool reported them (OpenLineage's `columnMetrics`). */
export const ColumnMetrics = z.object({
  nullCount: z.number().optional(),
  distinctCount: z.number().optional(),
  sum: z.number().optional(),
  count: z.number().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  /** Quantile → value, e.g. `{ "0.5": 52 }`. */
  quantiles: z.record(z.string(), z.number()).optional(),
});
export type ColumnMetrics = z.infer<typeof ColumnMetrics>;

/**
 * What a run reported about a dataset's quality besides its size, kept as reported: numbers only,
 * at most `MAX_QUALITY_COLUMNS` columns, so that it stays small next to the size it comes with.
 */
export const DataQuality = z.object({
  fileCount: z.number().int().min(0).optional(),
  columnMetrics: z.record(z.string(), ColumnMetrics).optional(),
});
export type DataQuality = z.infer<typeof DataQuality>;

/** Columns of data-quality metrics kept per dataset and run. */
export const MAX_QUALITY_COLUMNS = 200;
/** Quantiles kept per column. */
export const MAX_QUANTILES = 20;
/** The longest column name (or quantile name) kept. */
export const MAX_METRIC_NAME = 300;

/** What a run said about a dataset it read or wrote: rows, bytes, quality metrics, any of them. */
export const DatasetObservation = z.object({
  dataset: DatasetName,
  rowCount: z.number().int().min(0).optional(),
  bytes: z.number().int().min(0).optional(),
  quality: DataQuality.optional(),
});
export type DatasetObservation = z.infer<typeof DatasetObservation>;

/**
 * A dataset as the run that wrote it reported it when it ended (OpenLineage's `outputStatistics`),
 * with the row count it expected to write when it says: what a preflight compares a job's input
 * with, and what ingest judges complete or suspect.
 */
export const DatasetStat = DatasetObservation.extend({
  expectedRows: z.number().int().min(0).optional(),
});
export type DatasetStat = z.infer<typeof DatasetStat>;

/**
 * A run event in Medic's own words, the output of every ingest adapter.
 * `runKey` names the logical run inside its job (all attempts share it);
 * `externalId` is the source's id for this attempt.
 */
export const NormalizedRunEvent = z.object({
  orchestrator: Orchestrator,
  /** The source instance this came from, e.g. `airflow-prod`; adapters default it to the orchestrator name. */
  source: z.string().min(1).max(200),
  eventType: RunEventType,
  eventTime: z.date(),
  job: JobRef,
  run: z.object({
    runKey: z.string().min(1).max(1000),
    externalId: z.string().min(1).max(1000),
    attempt: z.number().int().min(1).max(10_000),
  }),
  scheduledAt: z.date().optional(),
  queuedAt: z.date().optional(),
  startedAt: z.date().optional(),
  endedAt: z.date().optional(),
  durationMs: z.number().int().min(0).optional(),
  error: z
    .object({
      message: z.string(),
      /** Stack trace or log excerpt that goes with the message. */
      detail: z.string().optional(),
      /** The language or runtime the stack trace is in, when the source says (`python`, `java` …). */
      language: z.string().optional(),
    })
    .optional(),
  parent: z
    .object({ job: JobRef, runKey: z.string().min(1) })
    .optional(),
  /** Source-specific facts worth keeping (facets, tags, host, try counts …), as JSON. */
  facets: z.record(z.string(), z.unknown()),
  /** Present only when the payload says something about datasets or dependencies. */
  lineage: Lineage.optional(),
  /**
   * Sizes of the datasets the run wrote, each dataset once; only on an event that ends an attempt
   * (a failed write leaves what it wrote), and only when the payload gives one.
   */
  outputStats: z.array(DatasetStat).optional(),
  /**
   * What the run said of the datasets it read, each dataset once (OpenLineage's input facets, the
   * generic event's inputs); only on an event of a run that has begun, and only when given.
   */
  inputStats: z.array(DatasetObservation).optional(),
});
export type NormalizedRunEvent = z.infer<typeof NormalizedRunEvent>;
