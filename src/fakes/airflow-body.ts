/**
 * The fake Airflow's reading of request bodies, with the APIs' defaults: `dry_run` is TRUE
 * unless sent as false, on clears in both APIs and on v1's task instance patch. v2 refuses
 * unknown fields (its bodies forbid extras); v1 ignores them.
 */
import type { ClearRequest } from './airflow-state.ts';
import { invalid, type Api } from './airflow-views.ts';
import type { FakeReply } from './server.ts';

const CLEAR_FIELDS = new Set([
  'dry_run', 'dag_run_id', 'task_ids', 'only_failed', 'only_running', 'include_downstream', 'include_upstream',
  'include_future', 'include_past', 'reset_dag_runs', 'start_date', 'end_date', 'prevent_running_task', 'run_on_latest_version',
]);
const PATCH_FIELDS_V2 = new Set(['new_state', 'note', 'include_downstream', 'include_upstream', 'include_future', 'include_past']);

type Read<T> = { kind: 'ok'; value: T } | { kind: 'refused'; reply: FakeReply };

function object(api: Api, body: unknown, allowed: Set<string> | undefined): Read<Record<string, unknown>> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { kind: 'refused', reply: invalid(api, 'body', 'must be a JSON object') };
  const extra = allowed && Object.keys(body).find((k) => !allowed.has(k));
  if (extra) return { kind: 'refused', reply: invalid(api, extra, 'Extra inputs are not permitted') };
  return { kind: 'ok', value: body as Record<string, unknown> };
}

function flag(api: Api, b: Record<string, unknown>, field: string, fallback: boolean): Read<boolean> {
  const v = b[field];
  if (v === undefined) return { kind: 'ok', value: fallback };
  return typeof v === 'boolean' ? { kind: 'ok', value: v } : { kind: 'refused', reply: invalid(api, field, 'must be a boolean') };
}

function taskIds(api: Api, v: unknown): Read<(string | [string, number])[] | undefined> {
  if (v === undefined || v === null) return { kind: 'ok', value: undefined };
  if (!Array.isArray(v)) return { kind: 'refused', reply: invalid(api, 'task_ids', 'must be a list') };
  if (api === 'v1' && v.length === 0) return { kind: 'refused', reply: invalid(api, 'task_ids', '[] is too short') };
  const ok = v.every((x: unknown) => typeof x === 'string'
    || (api === 'v2' && Array.isArray(x) && x.length === 2 && typeof x[0] === 'string' && Number.isInteger(x[1])));
  return ok ? { kind: 'ok', value: v as (string | [string, number])[] } : { kind: 'refused', reply: invalid(api, 'task_ids', 'items must be task ids') };
}

export function readClear(api: Api, dagId: string, body: unknown): Read<ClearRequest> {
  const o = object(api, body, api === 'v2' ? CLEAR_FIELDS : undefined);
  if (o.kind === 'refused') return o;
  const b = o.value;
  const flags: Record<string, boolean> = {};
  const defaults: [string, boolean][] = [
    ['dry_run', true], ['only_failed', true], ['only_running', false], ['include_downstream', false],
    ['include_upstream', false], ['reset_dag_runs', api === 'v2'],
  ];
  for (const [field, fallback] of defaults) {
    const f = flag(api, b, field, fallback);
    if (f.kind === 'refused') return f;
    flags[field] = f.value;
  }
  const ids = taskIds(api, b.task_ids);
  if (ids.kind === 'refused') return ids;
  if (b.dag_run_id !== undefined && b.dag_run_id !== null && typeof b.dag_run_id !== 'string') {
    return { kind: 'refused', reply: invalid(api, 'dag_run_id', 'must be a string') };
  }
  return {
    kind: 'ok',
    value: {
      dagId, dagRunId: typeof b.dag_run_id === 'string' ? b.dag_run_id : undefined, taskIds: ids.value,
      dryRun: flags.dry_run ?? true, onlyFailed: flags.only_failed ?? true, onlyRunning: flags.only_running ?? false,
      includeDownstream: flags.include_downstream ?? false, includeUpstream: flags.include_upstream ?? false,
      resetDagRuns: flags.reset_dag_runs ?? false,
    },
  };
}

export interface PatchRequest {
  newState: 'success' | 'failed' | 'skipped' | undefined;
  dryRun: boolean;
}

/** v1 `UpdateTaskInstance` {dry_run (default true), new_state}; v2 `PatchTaskInstanceBody` {new_state, note …}. */
export function readPatch(api: Api, body: unknown): Read<PatchRequest> {
  const o = object(api, body, api === 'v2' ? PATCH_FIELDS_V2 : undefined);
  if (o.kind === 'refused') return o;
  const dry = api === 'v1' ? flag(api, o.value, 'dry_run', true) : { kind: 'ok' as const, value: false };
  if (dry.kind === 'refused') return dry;
  const s = o.value.new_state;
  if (s !== undefined && s !== null && s !== 'success' && s !== 'failed' && s !== 'skipped') {
    return { kind: 'refused', reply: invalid(api, 'new_state', `'${String(s)}' is not one of ['success', 'failed', 'skipped']`) };
  }
  return { kind: 'ok', value: { newState: s ?? undefined, dryRun: dry.value } };
}
