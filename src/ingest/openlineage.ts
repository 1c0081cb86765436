import { z } from 'zod';
import type { NormalizedRunEvent, RunEventType } from '../runs/schema.ts';
import type { Adapter } from './adapter.ts';
import { READ_OBSERVED, WRITE_ENDED } from './dataset-stats.ts';
import { openLineageLineage } from './openlineage-lineage.ts';
import { openLineageInputStats, openLineageOutputStats } from './openlineage-stats.ts';
import { compact, isoDate, rejected } from './payload.ts';

const DateTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'must be an ISO 8601 date-time' });
const Facets = z.record(z.string(), z.unknown());

/** The parts of an OpenLineage 2-0-2 RunEvent Medic reads; other fields pass through into facets. */
const RunEvent = z.looseObject({
  eventType: z.enum(['START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER']).optional(),
  eventTime: DateTime,
  producer: z.string().optional(),
  run: z.looseObject({ runId: z.string().min(1).max(200), facets: Facets.optional() }),
  job: z.looseObject({ namespace: z.string().min(1).max(500), name: z.string().min(1).max(1000), facets: Facets.optional() }),
});
type RunEvent = z.infer<typeof RunEvent>;

// Producers send absent fields as null (dbt's `stackTrace: null`): the message still counts.
const ErrorFacet = z.looseObject({ message: z.string(), programmingLanguage: z.string().nullish(), stackTrace: z.string().nullish() });
const ParentFacet = z.looseObject({
  job: z.object({ namespace: z.string().min(1), name: z.string().min(1) }),
  run: z.looseObject({ runId: z.string().min(1).optional() }),
});
const NominalFacet = z.looseObject({ nominalStartTime: DateTime });
// The Airflow provider's run facet: the DAG run id names the logical run, try_number the attempt.
const AirflowFacet = z.looseObject({
  dagRun: z.looseObject({ run_id: z.string().min(1).optional() }).optional(),
  taskInstance: z.looseObject({ try_number: z.union([z.number(), z.string()]).optional() }).optional(),
});

const TYPES: Record<NonNullable<RunEvent['eventType']>, RunEventType | undefined> = {
  START: 'started',
  RUNNING: 'running',
  COMPLETE: 'completed',
  ABORT: 'aborted',
  FAIL: 'failed',
  OTHER: undefined,
};

// The schemas above are the contract; the readers below are their fast path for the payloads every
// producer sends. Each says yes only where its schema plainly would, and gives what the schema's
// output gives for the fields read here; anything else (a wrong type, an odd prototype) goes
// through zod, so that what is accepted, refused and stored is zod's answer either way.
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown, min: number, max: number): v is string => typeof v === 'string' && v.length >= min && v.length <= max;
const isOptionalText = (v: unknown): boolean => v === undefined || typeof v === 'string';
const isDateTime = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));
/** A record zod would copy key for key: an ordinary object without symbol keys or an own `__proto__`. */
const isPlainRecord = (v: unknown): boolean =>
  isObject(v) && Object.getPrototypeOf(v) === Object.prototype && !Object.hasOwn(v, '__proto__') && Object.getOwnPropertySymbols(v).length === 0;

/** The event as `RunEvent` reads it, when it plainly conforms; undefined sends it through zod. */
function plainRunEvent(p: unknown): RunEvent | undefined {
  if (!isObject(p) || Object.getPrototypeOf(p) !== Object.prototype) return undefined;
  const { eventType, eventTime, producer, run, job } = p;
  if (eventType !== undefined && !(typeof eventType === 'string' && Object.hasOwn(TYPES, eventType))) return undefined;
  if (!isDateTime(eventTime) || !isOptionalText(producer)) return undefined;
  if (!isObject(run) || !isText(run.runId, 1, 200) || (run.facets !== undefined && !isPlainRecord(run.facets))) return undefined;
  if (!isObject(job) || !isText(job.namespace, 1, 500) || !isText(job.name, 1, 1000)) return undefined;
  if (job.facets !== undefined && !isPlainRecord(job.facets)) return undefined;
  return p as RunEvent;
}

const plainError = (v: Record<string, unknown>) =>
  (typeof v.message === 'string' && (v.programmingLanguage === null || isOptionalText(v.programmingLanguage)) && (v.stackTrace === null || isOptionalText(v.stackTrace))
    ? (v as z.infer<typeof ErrorFacet>) : undefined);
const plainNominal = (v: Record<string, unknown>) => (isDateTime(v.nominalStartTime) ? (v as z.infer<typeof NominalFacet>) : undefined);
function plainParent(v: Record<string, unknown>): z.infer<typeof ParentFacet> | undefined {
  const { job, run } = v;
  if (!isObject(job) || !isText(job.namespace, 1, Infinity) || !isText(job.name, 1, Infinity)) return undefined;
  if (!isObject(run) || (run.runId !== undefined && !isText(run.runId, 1, Infinity))) return undefined;
  // z.object keeps only the keys it names, in its order: the parent's job is stored as such.
  return { job: { namespace: job.namespace, name: job.name }, run: run as z.infer<typeof ParentFacet>['run'] };
}
function plainAirflow(v: Record<string, unknown>): z.infer<typeof AirflowFacet> | undefined {
  const { dagRun, taskInstance } = v;
  if (dagRun !== undefined && !(isObject(dagRun) && (dagRun.run_id === undefined || isText(dagRun.run_id, 1, Infinity)))) return undefined;
  if (taskInstance !== undefined) {
    if (!isObject(taskInstance)) return undefined;
    const t = taskInstance.try_number;
    if (!(t === undefined || typeof t === 'string' || (typeof t === 'number' && Number.isFinite(t)))) return undefined;
  }
  return v as z.infer<typeof AirflowFacet>;
}

/** A facet as `schema` reads it, or undefined when it is absent or not what the schema says. */
function facet<T>(
  facets: Record<string, unknown> | undefined,
  name: string,
  schema: z.ZodType<T>,
  plainly: (v: Record<string, unknown>) => T | undefined,
): T | undefined {
  const value = facets?.[name];
  if (value === undefined) return undefined; // no facet schema takes undefined
  const quick = isObject(value) && Object.getPrototypeOf(value) === Object.prototype ? plainly(value) : undefined;
  if (quick !== undefined) return quick;
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The logical run and attempt. Airflow's provider gives each try a new runId, so tries are tied
 * together by the DAG run id (from its `airflow` facet) or, failing that, by the parent run.
 */
function runIdentity(e: RunEvent): NormalizedRunEvent['run'] {
  const facets = e.run.facets;
  const airflow = facet(facets, 'airflow', AirflowFacet, plainAirflow) ?? facet(facets, 'airflow_version', AirflowFacet, plainAirflow);
  const dagRun = airflow?.dagRun?.run_id;
  const tryNumber = Number(airflow?.taskInstance?.try_number);
  if (dagRun) return { runKey: dagRun, attempt: Number.isInteger(tryNumber) && tryNumber >= 1 ? tryNumber : 1, externalId: e.run.runId };
  return { runKey: e.run.runId, attempt: 1, externalId: e.run.runId };
}

function toEvent(e: RunEvent, source: string): NormalizedRunEvent | undefined {
  const eventType = TYPES[e.eventType ?? 'OTHER'];
  if (!eventType) return undefined;
  const time = new Date(e.eventTime);
  const facets = e.run.facets;
  const error = facet(facets, 'errorMessage', ErrorFacet, plainError);
  const parent = facet(facets, 'parent', ParentFacet, plainParent);
  const nominal = facet(facets, 'nominalTime', NominalFacet, plainNominal);
  const terminal = eventType === 'completed' || eventType === 'failed' || eventType === 'aborted';
  const event = {
    orchestrator: 'openlineage',
    source,
    eventType,
    eventTime: time,
    job: { namespace: e.job.namespace, name: e.job.name },
    run: runIdentity(e),
  } as NormalizedRunEvent;
  // Optional fields are left out rather than set to undefined.
  const scheduledAt = isoDate(nominal?.nominalStartTime);
  if (scheduledAt !== undefined) event.scheduledAt = scheduledAt;
  if (eventType === 'started') event.startedAt = time;
  if (terminal) event.endedAt = time;
  if (error) event.error = compact({ message: error.message, detail: error.stackTrace ?? undefined, language: error.programmingLanguage?.toLowerCase() ?? undefined });
  if (parent?.run.runId) event.parent = { job: parent.job, runKey: parent.run.runId };
  const lineage = openLineageLineage({ job: e.job, inputs: e.inputs, outputs: e.outputs, facets });
  if (lineage !== undefined) event.lineage = lineage;
  const outputStats = WRITE_ENDED.has(eventType) ? openLineageOutputStats(e.outputs) : undefined;
  if (outputStats !== undefined) event.outputStats = outputStats;
  const inputStats = READ_OBSERVED.has(eventType) ? openLineageInputStats(e.inputs) : undefined;
  if (inputStats !== undefined) event.inputStats = inputStats;
  // The full facets stay in the stored payload; the run keeps what identifies its producer.
  const kept: Record<string, unknown> = {};
  if (e.producer !== undefined) kept.producer = e.producer;
  if (facets) kept.runFacets = Object.keys(facets);
  if (e.job.facets) kept.jobFacets = Object.keys(e.job.facets);
  if (facets?.processing_engine !== undefined) kept.processingEngine = facets.processing_engine;
  if (e.job.facets?.jobType !== undefined) kept.jobType = e.job.facets.jobType;
  event.facets = kept;
  return event;
}

/**
 * Reads an OpenLineage RunEvent (spec 2-0-2; older clients' events too). OTHER events and
 * events without a type say nothing about the run's state: they are ignored, not refused.
 */
export const openLineageAdapter: Adapter = (payload, ctx) => {
  let read = plainRunEvent(payload);
  if (read === undefined) {
    const parsed = RunEvent.safeParse(payload);
    if (!parsed.success) return rejected(parsed.error);
    read = parsed.data;
  }
  const event = toEvent(read, ctx.source ?? read.job.namespace);
  return { kind: 'events', events: event ? [event] : [] };
};
