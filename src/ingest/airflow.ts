import { z } from 'zod';
import type { NormalizedRunEvent, RunEventType } from '../runs/schema.ts';
import type { Adapter, AdapterContext } from './adapter.ts';
import { compact, firstDate, isoDate, rejected } from './payload.ts';

const When = z.string().nullable().optional().refine((s) => !s || !Number.isNaN(Date.parse(s)), { message: 'must be an ISO 8601 date-time' });

/** A task instance as Airflow's REST API returns it: `/api/v1` (2.x) and `/api/v2` (3.x). */
const TaskInstance = z.looseObject({
  task_id: z.string().min(1),
  dag_id: z.string().min(1),
  dag_run_id: z.string().min(1).optional(),
  run_id: z.string().min(1).optional(),
  map_index: z.number().int().optional(),
  try_number: z.number().int().min(0).optional(),
  state: z.string().nullable().optional(),
  start_date: When,
  end_date: When,
  duration: z.number().nullable().optional(),
  queued_when: When,
  scheduled_when: When,
  execution_date: When,
  logical_date: When,
  run_after: When,
  hostname: z.string().nullable().optional(),
  operator: z.string().nullable().optional(),
  note: z.string().nullable().optional(),
}).refine((t) => t.dag_run_id !== undefined || t.run_id !== undefined, { message: 'needs dag_run_id (or run_id)', path: ['dag_run_id'] });

const DagRun = z.looseObject({
  dag_id: z.string().min(1),
  dag_run_id: z.string().min(1),
  state: z.string().nullable().optional(),
  start_date: When,
  end_date: When,
  queued_at: When,
  execution_date: When,
  logical_date: When,
  run_after: When,
  run_type: z.string().optional(),
  note: z.string().nullable().optional(),
});

const TaskInstances = z.looseObject({ task_instances: z.array(TaskInstance) });
const DagRuns = z.looseObject({ dag_runs: z.array(DagRun) });

/** Airflow's task states in Medic's words; a task with no state yet has nothing to say. */
const TASK_STATES: Record<string, RunEventType> = {
  success: 'completed',
  failed: 'failed',
  upstream_failed: 'skipped', // it never ran: the failure belongs to the upstream task
  skipped: 'skipped',
  removed: 'skipped',
  running: 'running',
  deferred: 'running', // waiting on a trigger, still inside its attempt
  restarting: 'retrying',
  up_for_retry: 'retrying',
  up_for_reschedule: 'queued', // a sensor between pokes
  queued: 'queued',
  scheduled: 'scheduled',
};
const DAG_RUN_STATES: Record<string, RunEventType> = { queued: 'queued', running: 'running', success: 'completed', failed: 'failed' };

type Ti = z.infer<typeof TaskInstance>;
type Dr = z.infer<typeof DagRun>;

function taskEvent(t: Ti, ctx: AdapterContext): NormalizedRunEvent | undefined {
  const eventType = t.state ? TASK_STATES[t.state] : undefined;
  if (!eventType) return undefined;
  const namespace = ctx.source ?? 'airflow';
  const runKey = t.dag_run_id ?? t.run_id ?? '';
  const mapped = t.map_index !== undefined && t.map_index >= 0 ? `[${t.map_index}]` : '';
  const [start, end, queued] = [isoDate(t.start_date), isoDate(t.end_date), isoDate(t.queued_when)];
  const logical = firstDate(isoDate(t.logical_date), isoDate(t.execution_date), isoDate(t.run_after));
  // Snapshots are polled: the event time comes from the payload, never the clock, so a re-poll dedupes.
  const eventTime = firstDate(end, start, queued, isoDate(t.scheduled_when), logical) ?? ctx.receivedAt;
  return {
    orchestrator: 'airflow',
    source: namespace,
    eventType,
    eventTime,
    job: { namespace, name: `${t.dag_id}.${t.task_id}${mapped}` },
    run: { runKey, externalId: `${t.dag_id}/${runKey}/${t.task_id}${mapped}/${Math.max(1, t.try_number ?? 1)}`, attempt: Math.max(1, t.try_number ?? 1) },
    ...compact({
      scheduledAt: logical, queuedAt: queued, startedAt: start, endedAt: eventType === 'running' ? undefined : end,
      durationMs: typeof t.duration === 'number' ? Math.round(t.duration * 1000) : undefined,
    }),
    parent: { job: { namespace, name: t.dag_id }, runKey },
    facets: compact({ state: t.state, hostname: t.hostname ?? undefined, operator: t.operator ?? undefined, note: t.note ?? undefined }),
  };
}

function dagRunEvent(d: Dr, ctx: AdapterContext): NormalizedRunEvent | undefined {
  const eventType = d.state ? DAG_RUN_STATES[d.state] : undefined;
  if (!eventType) return undefined;
  const namespace = ctx.source ?? 'airflow';
  const [start, end, queued] = [isoDate(d.start_date), isoDate(d.end_date), isoDate(d.queued_at)];
  const logical = firstDate(isoDate(d.logical_date), isoDate(d.execution_date), isoDate(d.run_after));
  return {
    orchestrator: 'airflow',
    source: namespace,
    eventType,
    eventTime: firstDate(end, start, queued, logical) ?? ctx.receivedAt,
    job: { namespace, name: d.dag_id },
    run: { runKey: d.dag_run_id, externalId: `${d.dag_id}/${d.dag_run_id}`, attempt: 1 },
    ...compact({ scheduledAt: logical, queuedAt: queued, startedAt: start, endedAt: eventType === 'running' ? undefined : end }),
    facets: compact({ state: d.state, run_type: d.run_type, note: d.note ?? undefined }),
  };
}

/** Reads task instances and DAG runs as Airflow 2 and 3 REST APIs return them, one or a collection. */
export const airflowAdapter: Adapter = (payload, ctx) => {
  const has = (key: string) => typeof payload === 'object' && payload !== null && key in payload;
  // The shape is chosen by its telling key so that errors point into the right schema.
  let events: (NormalizedRunEvent | undefined)[];
  if (has('task_instances')) {
    const p = TaskInstances.safeParse(payload);
    if (!p.success) return rejected(p.error);
    events = p.data.task_instances.map((t) => taskEvent(t, ctx));
  } else if (has('dag_runs')) {
    const p = DagRuns.safeParse(payload);
    if (!p.success) return rejected(p.error);
    events = p.data.dag_runs.map((d) => dagRunEvent(d, ctx));
  } else if (has('task_id')) {
    const p = TaskInstance.safeParse(payload);
    if (!p.success) return rejected(p.error);
    events = [taskEvent(p.data, ctx)];
  } else {
    const p = DagRun.safeParse(payload);
    if (!p.success) return rejected(p.error);
    events = [dagRunEvent(p.data, ctx)];
  }
  return { kind: 'events', events: events.filter((e): e is NormalizedRunEvent => e !== undefined) };
};
