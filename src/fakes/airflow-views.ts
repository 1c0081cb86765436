/**
 * How the fake Airflow words its answers: task instances and errors as `/api/v1` (Airflow 2,
 * connexion, RFC 7807 problems) and `/api/v2` (Airflow 3, FastAPI `{detail}`) return them.
 */
import { createHash } from 'node:crypto';
import type { FakeDagRun, FakeTaskInstance } from './airflow-state.ts';
import type { FakeReply } from './server.ts';

export type Api = 'v1' | 'v2';

/** An error answer in the API's own shape. */
export function problem(api: Api, status: number, detail: string, title = 'Error'): FakeReply {
  if (api === 'v2') return { status, body: { detail } };
  return { status, body: { detail, status, title, type: `https://airflow.apache.org/docs/apache-airflow/2.10.0/stable-rest-api-ref.html#section/Errors/${title.replace(/ /g, '')}` } };
}

/** FastAPI's 422 for a body field it refuses. */
export function invalid(api: Api, field: string, msg: string): FakeReply {
  if (api === 'v2') return { status: 422, body: { detail: [{ type: 'value_error', loc: ['body', field], msg }] } };
  return problem(api, 400, `'${field}': ${msg}`, 'Bad Request');
}

function duration(t: FakeTaskInstance): number | null {
  return t.start_date && t.end_date ? (Date.parse(t.end_date) - Date.parse(t.start_date)) / 1000 : null;
}

/** `GET …/taskInstances/{task_id}`: v1 `TaskInstance`, v2 `TaskInstanceResponse`. */
export function taskInstanceView(api: Api, t: FakeTaskInstance): Record<string, unknown> {
  const common = {
    task_id: t.task_id, dag_id: t.dag_id, dag_run_id: t.dag_run_id, map_index: t.map_index, state: t.state,
    try_number: t.try_number, max_tries: t.max_tries, start_date: t.start_date, end_date: t.end_date, duration: duration(t),
    queued_when: t.queued_when, hostname: 'fake-worker', unixname: 'airflow', pool: 'default_pool', pool_slots: 1,
    queue: 'default', priority_weight: 1, operator: 'PythonOperator', pid: null, executor_config: '{}', note: null,
    rendered_map_index: null, rendered_fields: {}, trigger: null, triggerer_job: null,
  };
  if (api === 'v1') return { ...common, execution_date: t.logical_date, sla_miss: null, executor: null };
  const id = createHash('sha256').update(`${t.dag_id}/${t.dag_run_id}/${t.task_id}/${t.map_index}`).digest('hex');
  return {
    ...common, id: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`,
    logical_date: t.logical_date, run_after: t.logical_date, scheduled_when: null, task_display_name: t.task_id,
    dag_display_name: t.dag_id, operator_name: 'PythonOperator', executor: null, dag_version: null,
  };
}

/** A clear's or patch's answer: v1 `TaskInstanceReferenceCollection`, v2 `TaskInstanceCollectionResponse`. */
export function collectionView(api: Api, list: FakeTaskInstance[]): Record<string, unknown> {
  if (api === 'v1') {
    return { task_instances: list.map((t) => ({ dag_id: t.dag_id, dag_run_id: t.dag_run_id, execution_date: t.logical_date, task_id: t.task_id })) };
  }
  return { task_instances: list.map((t) => taskInstanceView(api, t)), total_entries: list.length };
}

/** v1 `TaskInstanceReference` (a single patch's answer there). */
export function referenceView(t: FakeTaskInstance): Record<string, unknown> {
  return { dag_id: t.dag_id, dag_run_id: t.dag_run_id, execution_date: t.logical_date, task_id: t.task_id };
}

/** A list item `GET …/dagRuns` returns: v1 `DAGRun`, v2 `DAGRunResponse`. */
export function dagRunView(api: Api, r: FakeDagRun): Record<string, unknown> {
  const common = {
    dag_id: r.dag_id, dag_run_id: r.dag_run_id, logical_date: r.logical_date, start_date: r.start_date, end_date: r.end_date,
    data_interval_start: r.logical_date, data_interval_end: r.logical_date, last_scheduling_decision: r.updated_at,
    run_type: r.run_type, state: r.state, conf: {}, note: null,
  };
  if (api === 'v1') return { ...common, execution_date: r.logical_date, external_trigger: r.run_type === 'manual' };
  const duration = r.start_date && r.end_date ? (Date.parse(r.end_date) - Date.parse(r.start_date)) / 1000 : null;
  return {
    ...common, queued_at: r.start_date, run_after: r.logical_date, duration, triggered_by: r.run_type === 'manual' ? 'rest_api' : 'timetable',
    triggering_user_name: null, dag_versions: [], bundle_version: null, dag_display_name: r.dag_id, partition_key: null,
  };
}

/**
 * One try as `…/tries` lists it: v1 `TaskInstanceHistorySchema` (no execution date), v2
 * `TaskInstanceHistoryResponse` (no id, no logical date).
 */
export function tryView(api: Api, t: FakeTaskInstance): Record<string, unknown> {
  return Object.fromEntries(Object.entries(taskInstanceView(api, t)).filter(([k]) => !NOT_IN_HISTORY.has(k)));
}

const NOT_IN_HISTORY = new Set([
  'id', 'logical_date', 'run_after', 'execution_date', 'sla_miss', 'note', 'rendered_fields', 'rendered_map_index', 'trigger', 'triggerer_job',
]);
