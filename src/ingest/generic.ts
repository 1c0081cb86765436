import { z } from 'zod';
import { IsoTime, MAX_METRIC_NAME, MAX_QUALITY_COLUMNS, MAX_QUANTILES, RunEventType, type NormalizedRunEvent } from '../runs/schema.ts';
import type { Adapter } from './adapter.ts';
import { datasetStat, READ_OBSERVED, uniqueStats, WRITE_ENDED } from './dataset-stats.ts';
import { datasetName, lineageOf } from './lineage.ts';
import { compact, rejected } from './payload.ts';

const JobRefIn = z.strictObject({ namespace: z.string().min(1).max(500), name: z.string().min(1).max(1000) });
const DatasetIn = z.strictObject({ namespace: z.string().min(1).max(500), name: z.string().min(1).max(1400) });
const Size = z.number().int().min(0);
const MetricName = z.string().min(1).max(MAX_METRIC_NAME);
const atMost = <T extends z.ZodType<object>>(schema: T, n: number, what: string) =>
  schema.refine((o) => Object.keys(o).length <= n, { message: `at most ${n} ${what}` });
/** One column's data-quality metrics, named as OpenLineage's `columnMetrics` names them. */
const ColumnMetricsIn = z.strictObject({
  nullCount: Size.optional(), distinctCount: Size.optional(),
  sum: z.number().optional(), count: z.number().optional(), min: z.number().optional(), max: z.number().optional(),
  quantiles: atMost(z.record(MetricName, z.number()), MAX_QUANTILES, 'quantiles').optional(),
});
/** Column name → its metrics. */
const QualityIn = atMost(z.record(MetricName, ColumnMetricsIn), MAX_QUALITY_COLUMNS, 'columns');
/** A dataset the job read, with what it saw of it when the sender knows. */
const DatasetRead = DatasetIn.extend({ rowCount: Size.optional(), bytes: Size.optional(), quality: QualityIn.optional() });
/** A dataset the job wrote, with its size once written and the rows it expected to write, when the sender knows them. */
const DatasetOut = DatasetRead.extend({ expectedRows: Size.optional() });
const OBSERVED = ['rowCount', 'bytes', 'quality'] as const;

/** Medic's generic run event, for any orchestrator without an adapter (see docs/generic-event.md). */
export const GenericEvent = z.strictObject({
  job: JobRefIn,
  run: z.strictObject({
    id: z.string().min(1).max(1000),
    key: z.string().min(1).max(1000).optional(),
    attempt: z.number().int().min(1).max(10_000).optional(),
  }),
  type: RunEventType,
  time: IsoTime,
  scheduledAt: IsoTime.optional(),
  queuedAt: IsoTime.optional(),
  startedAt: IsoTime.optional(),
  endedAt: IsoTime.optional(),
  durationMs: z.number().int().min(0).optional(),
  error: z.strictObject({
    message: z.string().min(1).max(100_000),
    detail: z.string().max(1_000_000).optional(),
    language: z.string().max(50).optional(),
  }).optional(),
  parent: z.strictObject({ job: JobRefIn, runKey: z.string().min(1).max(1000) }).optional(),
  facets: z.record(z.string(), z.unknown()).optional(),
  source: z.string().min(1).max(200).optional(),
  /** Datasets the job read and wrote; a job that writes what another reads runs before it. */
  inputs: z.array(DatasetRead).max(1_000).optional(),
  outputs: z.array(DatasetOut).max(1_000).optional(),
  /** Jobs this job waits for, and jobs that wait for it, as the orchestrator declares them. */
  upstream: z.array(JobRefIn).max(1_000).optional(),
  downstream: z.array(JobRefIn).max(1_000).optional(),
}).superRefine((e, ctx) => {
  // A size is what a write left behind: said while the run is still going, it would be taken for it.
  if (!WRITE_ENDED.has(e.type)) {
    e.outputs?.forEach((o, i) => {
      for (const key of [...OBSERVED, 'expectedRows'] as const) {
        if (o[key] !== undefined) ctx.addIssue({ code: 'custom', path: ['outputs', i, key], message: `what a run wrote (size, expected rows, quality) belongs on the event that ends the run (completed, failed, aborted or retrying), not on a ${e.type} one` });
      }
    });
  }
  // A reader observes its input when it reads it: before the run begins it has read nothing.
  if (!READ_OBSERVED.has(e.type)) {
    e.inputs?.forEach((d, i) => {
      for (const key of OBSERVED) {
        if (d[key] !== undefined) ctx.addIssue({ code: 'custom', path: ['inputs', i, key], message: `what a run read belongs on an event of the run once begun (started, running, completed, failed, aborted or retrying), not on a ${e.type} one` });
      }
    });
  }
});
export type GenericEvent = z.infer<typeof GenericEvent>;

const date = (s: string | undefined) => (s === undefined ? undefined : new Date(s));

/** Reads one generic event; the run key defaults to the run id, the attempt to 1. */
export const genericAdapter: Adapter = (payload, ctx) => {
  const parsed = GenericEvent.safeParse(payload);
  if (!parsed.success) return rejected(parsed.error);
  const e = parsed.data;
  const event: NormalizedRunEvent = {
    orchestrator: 'generic',
    source: e.source ?? ctx.source ?? 'generic',
    eventType: e.type,
    eventTime: new Date(e.time),
    job: e.job,
    run: { runKey: e.run.key ?? e.run.id, externalId: e.run.id, attempt: e.run.attempt ?? 1 },
    ...compact({
      scheduledAt: date(e.scheduledAt), queuedAt: date(e.queuedAt), startedAt: date(e.startedAt), endedAt: date(e.endedAt),
      durationMs: e.durationMs, error: e.error ? compact(e.error) : undefined, parent: e.parent,
      lineage: lineageOf(e.job, {
        inputs: e.inputs?.map(datasetName), outputs: e.outputs?.map(datasetName), upstream: e.upstream, downstream: e.downstream,
      }),
      outputStats: e.outputs && uniqueStats(e.outputs.map((o) => datasetStat(datasetName(o), {
        rowCount: o.rowCount, bytes: o.bytes, expectedRows: o.expectedRows, quality: o.quality && { columnMetrics: o.quality } }))),
      inputStats: e.inputs && uniqueStats(e.inputs.map((d) => datasetStat(datasetName(d), {
        rowCount: d.rowCount, bytes: d.bytes, quality: d.quality && { columnMetrics: d.quality } }))),
    }),
    facets: e.facets ?? {},
  };
  return { kind: 'events', events: [event] };
};
