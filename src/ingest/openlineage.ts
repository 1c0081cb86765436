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

const ErrorFacet = z.looseObject({ message: z.string(), programmingLanguage: z.string().optional(), stackTrace: z.string().optional() });
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

function facet<T>(facets: Record<string, unknown> | undefined, name: string, schema: z.ZodType<T>): T | undefined {
  const parsed = schema.safeParse(facets?.[name]);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The logical run and attempt. Airflow's provider gives each try a new runId, so tries are tied
 * together by the DAG run id (from its `airflow` facet) or, failing that, by the parent run.
 */
function runIdentity(e: RunEvent): { runKey: string; attempt: number } {
  const facets = e.run.facets;
  const airflow = facet(facets, 'airflow', AirflowFacet) ?? facet(facets, 'airflow_version', AirflowFacet);
  const dagRun = airflow?.dagRun?.run_id;
  const tryNumber = Number(airflow?.taskInstance?.try_number);
  if (dagRun) return { runKey: dagRun, attempt: Number.isInteger(tryNumber) && tryNumber >= 1 ? tryNumber : 1 };
  return { runKey: e.run.runId, attempt: 1 };
}

function toEvent(e: RunEvent, source: string): NormalizedRunEvent | undefined {
  const eventType = TYPES[e.eventType ?? 'OTHER'];
  if (!eventType) return undefined;
  const time = new Date(e.eventTime);
  const facets = e.run.facets;
  const error = facet(facets, 'errorMessage', ErrorFacet);
  const parent = facet(facets, 'parent', ParentFacet);
  const nominal = facet(facets, 'nominalTime', NominalFacet);
  const terminal = eventType === 'completed' || eventType === 'failed' || eventType === 'aborted';
  return {
    orchestrator: 'openlineage',
    source,
    eventType,
    eventTime: time,
    job: { namespace: e.job.namespace, name: e.job.name },
    run: { ...runIdentity(e), externalId: e.run.runId },
    ...compact({
      scheduledAt: isoDate(nominal?.nominalStartTime),
      startedAt: eventType === 'started' ? time : undefined,
      endedAt: terminal ? time : undefined,
      error: error ? compact({ message: error.message, detail: error.stackTrace, language: error.programmingLanguage?.toLowerCase() }) : undefined,
      parent: parent?.run.runId ? { job: parent.job, runKey: parent.run.runId } : undefined,
      lineage: openLineageLineage({ job: e.job, inputs: e.inputs, outputs: e.outputs, facets }),
      outputStats: WRITE_ENDED.has(eventType) ? openLineageOutputStats(e.outputs) : undefined,
      inputStats: READ_OBSERVED.has(eventType) ? openLineageInputStats(e.inputs) : undefined,
    }),
    // The full facets stay in the stored payload; the run keeps what identifies its producer.
    facets: compact({
      producer: e.producer,
      runFacets: facets ? Object.keys(facets) : undefined,
      jobFacets: e.job.facets ? Object.keys(e.job.facets) : undefined,
      processingEngine: facets?.processing_engine,
      jobType: e.job.facets?.jobType,
    }),
  };
}

/**
 * Reads an OpenLineage RunEvent (spec 2-0-2; older clients' events too). OTHER events and
 * events without a type say nothing about the run's state: they are ignored, not refused.
 */
export const openLineageAdapter: Adapter = (payload, ctx) => {
  const parsed = RunEvent.safeParse(payload);
  if (!parsed.success) return rejected(parsed.error);
  const event = toEvent(parsed.data, ctx.source ?? parsed.data.job.namespace);
  return { kind: 'events', events: event ? [event] : [] };
};
