/**
 * How Medic sees an Airflow target: the state and try number of each task instance it names
 * (or the DAG run's state for a DAG-level target). A clear shows as a state that left
 * `failed` or a try number that moved on; a mark as the state it set.
 */
import { authorizedCall, type Credentials } from './auth.ts';
import { taskInstancePath } from './airflow-requests.ts';
import type { AirflowConnection } from './config.ts';
import type { AirflowTarget } from './executor.ts';
import type { HttpDeps } from './http.ts';
import { field, observationFailed, observed, type Compare, type Observation } from './remedy.ts';

const get = (url: string) => ({ method: 'GET' as const, url, headers: { accept: 'application/json' } });

export async function observeAirflow(c: AirflowConnection, credentials: Credentials, deps: HttpDeps, t: AirflowTarget): Promise<Observation> {
  if (t.taskIds.length === 0) {
    const url = `${c.url}/api/${c.api}/dags/${encodeURIComponent(t.dagId)}/dagRuns/${encodeURIComponent(t.dagRunId)}`;
    const r = await authorizedCall(get(url), credentials, c, deps, `Airflow get DAG run ${t.dagId}/${t.dagRunId}`);
    return r.kind === 'failed' ? observationFailed(r.outcome) : observed({ dag_run: field(r.response.json, 'state') });
  }
  const tasks: Record<string, { state: unknown; try_number: unknown }> = {};
  for (const taskId of t.taskIds) {
    const r = await authorizedCall(get(c.url + taskInstancePath(c.api, t, taskId)), credentials, c, deps, `Airflow get task instance ${t.dagId}/${t.dagRunId}/${taskId}`);
    if (r.kind === 'failed') return observationFailed(r.outcome);
    tasks[taskId] = { state: field(r.response.json, 'state'), try_number: field(r.response.json, 'try_number') };
  }
  return observed({ tasks });
}

type Ti = { state: unknown; try_number: unknown };
const tasksOf = (s: Record<string, unknown>) => (s.tasks ?? {}) as Record<string, Ti>;
const num = (v: unknown) => (typeof v === 'number' ? v : -1);

export const compareAirflow: Compare = (action, before, after) => {
  if (before.dag_run !== undefined || after.dag_run !== undefined) {
    const moved = before.dag_run !== after.dag_run;
    return { applied: moved, detail: `the DAG run was ${String(before.dag_run)} and is ${String(after.dag_run)}` };
  }
  const was = tasksOf(before);
  const now = tasksOf(after);
  const lines = Object.entries(now).map(([task, ti]) => `${task}: ${String(was[task]?.state)} (try ${String(was[task]?.try_number)}) → ${String(ti.state)} (try ${String(ti.try_number)})`);
  const detail = lines.join('; ') || 'no task instance';
  if (action.kind === 'skip') return { applied: Object.values(now).every((ti) => ti.state === action.mark), detail };
  const applied = Object.entries(now).some(([task, ti]) => {
    const b = was[task];
    return !b || ti.state !== b.state || num(ti.try_number) > num(b.try_number);
  });
  return { applied, detail };
};
