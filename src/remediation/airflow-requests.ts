/**
 * The Airflow REST calls Medic makes, as paths and bodies; the same for `/api/v1` (Airflow 2)
 * and `/api/v2` (Airflow 3) except where noted. Pure, so the bodies are tested as data.
 */
import type { AirflowTarget } from './executor.ts';

export type AirflowApi = 'v1' | 'v2';

const enc = encodeURIComponent;

/** `POST /api/{v}/dags/{dag_id}/clearTaskInstances`. */
export function clearPath(api: AirflowApi, t: AirflowTarget): string {
  return `/api/${api}/dags/${enc(t.dagId)}/clearTaskInstances`;
}

/**
 * The clear body. `dry_run` defaults to TRUE in both APIs: without an explicit false Airflow
 * only lists what it would clear and changes nothing. Airflow 3 names a mapped task instance
 * as `[task_id, map_index]`; Airflow 2 takes task ids only, so there every map index of the
 * task is cleared. A DAG-level target (no task ids) clears the run's tasks by `only_failed`.
 */
export function clearBody(api: AirflowApi, t: AirflowTarget, mode: { onlyFailed: boolean; includeDownstream: boolean }): Record<string, unknown> {
  const taskIds = t.taskIds.map((id) => (api === 'v2' && t.mapIndex !== undefined ? [id, t.mapIndex] : id));
  return {
    dry_run: false,
    dag_run_id: t.dagRunId,
    // v1 requires at least one item when the field is present.
    ...(taskIds.length > 0 ? { task_ids: taskIds } : {}),
    only_failed: mode.onlyFailed,
    include_downstream: mode.includeDownstream,
    include_upstream: false,
    include_future: false,
    include_past: false,
    reset_dag_runs: true,
  };
}

/**
 * `PATCH /api/{v}/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}[/{map_index}]`:
 * both APIs have it (v1 since 2.5, as `patch_task_instance` / `patch_mapped_task_instance`).
 */
export function taskInstancePath(api: AirflowApi, t: AirflowTarget, taskId: string): string {
  const mapped = t.mapIndex === undefined ? '' : `/${t.mapIndex}`;
  return `/api/${api}/dags/${enc(t.dagId)}/dagRuns/${enc(t.dagRunId)}/taskInstances/${enc(taskId)}${mapped}`;
}

/**
 * The state change. v1's `UpdateTaskInstance` defaults `dry_run` to TRUE as well; v2's
 * `PatchTaskInstanceBody` has no `dry_run` (a separate `/dry_run` path) and refuses unknown
 * fields, so it must not be sent there.
 */
export function patchStateBody(api: AirflowApi, state: 'success' | 'skipped'): Record<string, unknown> {
  return api === 'v1' ? { dry_run: false, new_state: state } : { new_state: state };
}

/** Task ids in a clear or patch answer (both APIs answer `{task_instances: [{task_id …}]}`). */
export function taskIdsIn(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const list = (body as Record<string, unknown>).task_instances;
  if (!Array.isArray(list)) return [];
  return list.flatMap((ti: unknown) => {
    const id = typeof ti === 'object' && ti !== null ? (ti as Record<string, unknown>).task_id : undefined;
    return typeof id === 'string' ? [id] : [];
  });
}
