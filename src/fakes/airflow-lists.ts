/**
 * The fake Airflow's list endpoints as each API version defines them: DAG runs and task
 * instances (across DAGs and runs with `~`), pages by `limit`/`offset` with `total_entries`,
 * the time filters and `order_by` values each version knows, and one task instance's tries.
 * Airflow caps `limit` at `[api] maximum_page_limit` without saying so. v1 refuses a query
 * parameter its spec does not define (connexion validates strictly); v2 (FastAPI) ignores it.
 * Repeated parameters (v2's lists) are read once: the last value counts.
 */
import type { FakeDagRun, FakeTaskInstance } from './airflow-state.ts';
import type { ListFilter, ListOrder, Records, TimeBound, TimeField } from './airflow-records.ts';
import { dagRunView, problem, taskInstanceView, tryView, type Api } from './airflow-views.ts';
import type { FakeReply, RecordedCall } from './server.ts';

export type Route = (call: RecordedCall, params: Record<string, string>) => FakeReply;

/** What the lists read from. */
export interface ListSources {
  dagRuns: Records<FakeDagRun>;
  taskInstances: Records<FakeTaskInstance>;
  tries(dagId: string, runId: string, taskId: string, mapIndex: number): FakeTaskInstance[] | undefined;
}

const TIME_FILTERS = ['updated_at', 'start_date', 'end_date', 'execution_date'].flatMap((f) => [`${f}_gte`, `${f}_lte`]);
const V1_PARAMS: Record<'runs' | 'tis' | 'tries', Set<string>> = {
  runs: new Set(['limit', 'offset', 'state', 'order_by', 'fields', ...TIME_FILTERS]),
  tis: new Set(['limit', 'offset', 'state', 'pool', 'queue', 'executor', 'duration_gte', 'duration_lte', ...TIME_FILTERS]),
  tries: new Set(['limit', 'offset', 'order_by']),
};
const ORDERS: Record<Api, Record<'runs' | 'tis', string[]>> = {
  v1: { runs: ['id', 'state', 'dag_id', 'execution_date', 'dag_run_id', 'start_date', 'end_date', 'updated_at', 'external_trigger', 'conf'], tis: [] },
  v2: {
    runs: ['id', 'state', 'dag_id', 'run_id', 'logical_date', 'run_after', 'start_date', 'end_date', 'updated_at', 'conf', 'duration', 'dag_run_id'],
    tis: ['id', 'state', 'duration', 'start_date', 'end_date', 'map_index', 'try_number', 'logical_date', 'run_after', 'data_interval_start', 'data_interval_end', 'rendered_map_index', 'operator'],
  },
};
const FIELD_OF: Record<string, TimeField> = {
  updated_at: 'updated_at', start_date: 'start_date', end_date: 'end_date', execution_date: 'logical_date', logical_date: 'logical_date', run_after: 'logical_date',
};
const SORT_FIELD: Record<string, string> = { run_id: 'dag_run_id', execution_date: 'logical_date', run_after: 'logical_date', data_interval_start: 'logical_date', data_interval_end: 'logical_date' };

type Read<T> = { kind: 'ok'; value: T } | { kind: 'refused'; reply: FakeReply };

function badQuery(api: Api, name: string, value: string, msg: string): FakeReply {
  if (api === 'v2') return { status: 422, body: { detail: [{ type: 'value_error', loc: ['query', name], msg, input: value }] } };
  return problem(api, 400, `'${value}' is not valid for ${name}: ${msg}`, 'Bad Request');
}

/** `dag_id_pattern`: SQL LIKE alternatives joined by `|`, matched without regard to case. */
export function likePattern(pattern: string): (s: string) => boolean {
  const res = pattern.split('|').map((p) => p.trim()).filter((p) => p !== '').map((p) =>
    new RegExp(`^${[...p].map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`, 'i'));
  return (s) => res.some((r) => r.test(s));
}

function bounds(api: Api, q: Record<string, string>): Read<TimeBound[]> {
  const out: TimeBound[] = [];
  for (const [name, value] of Object.entries(q)) {
    const m = /^(\w+?)_(gte|gt|lte|lt)$/.exec(name);
    const field = m?.[1] === undefined ? undefined : FIELD_OF[m[1]];
    if (!m || !field || (api === 'v1' && (m[2] === 'gt' || m[2] === 'lt'))) continue;
    const at = Date.parse(value);
    // RFC 3339 wants a date, a time and an offset.
    if (Number.isNaN(at) || !/T.*(Z|[+-]\d\d:?\d\d)$/i.test(value)) return { kind: 'refused', reply: badQuery(api, name, value, 'Input should be a valid datetime') };
    out.push({ field, op: m[2] as TimeBound['op'], at });
  }
  return { kind: 'ok', value: out };
}

function page(api: Api, q: Record<string, string>, maxLimit: number): Read<{ offset: number; limit: number }> {
  const limit = q.limit === undefined ? (api === 'v1' ? 100 : 50) : Number(q.limit);
  const offset = q.offset === undefined ? 0 : Number(q.offset);
  if (!Number.isInteger(limit) || limit < 0) return { kind: 'refused', reply: badQuery(api, 'limit', q.limit ?? '', 'must be a non-negative integer') };
  if (!Number.isInteger(offset) || offset < 0) return { kind: 'refused', reply: badQuery(api, 'offset', q.offset ?? '', 'must be a non-negative integer') };
  // v1 reads a limit of 0 as its fallback page size.
  return { kind: 'ok', value: { offset, limit: Math.min(maxLimit, api === 'v1' && limit === 0 ? 100 : limit) } };
}

function order(api: Api, which: 'runs' | 'tis', value: string | undefined): Read<ListOrder | undefined> {
  if (value === undefined) return { kind: 'ok', value: api === 'v2' && which === 'tis' ? { field: 'map_index', desc: false } : undefined };
  const name = value.replace(/^-/, '');
  if (!ORDERS[api][which].includes(name)) {
    return { kind: 'refused', reply: problem(api, 400, `Ordering with '${name}' is disallowed or the attribute does not exist on the model`, 'Bad Request') };
  }
  return { kind: 'ok', value: name === 'id' && !value.startsWith('-') ? undefined : { field: SORT_FIELD[name] ?? name, desc: value.startsWith('-') } };
}

function strict(api: Api, which: 'runs' | 'tis' | 'tries', q: Record<string, string>): FakeReply | undefined {
  if (api !== 'v1') return undefined;
  const extra = Object.keys(q).filter((k) => !V1_PARAMS[which].has(k));
  return extra.length > 0 ? problem(api, 400, `Extra query parameter(s) ${extra.join(', ')} not in spec`, 'Bad Request') : undefined;
}

function list<T>(api: Api, which: 'runs' | 'tis', records: Records<T>, view: (t: T) => unknown, maxLimit: number): Route {
  return (c, p) => {
    const refused = strict(api, which, c.query);
    if (refused) return refused;
    const [b, pg, o] = [bounds(api, c.query), page(api, c.query, maxLimit), order(api, which, c.query.order_by)];
    if (b.kind === 'refused') return b.reply;
    if (pg.kind === 'refused') return pg.reply;
    if (o.kind === 'refused') return o.reply;
    const dag = p.dag_id === '~' ? undefined : p.dag_id;
    const like = api === 'v2' && c.query.dag_id_pattern ? likePattern(c.query.dag_id_pattern) : undefined;
    const filter: ListFilter = {
      bounds: b.value, state: c.query.state, runId: p.dag_run_id === '~' ? undefined : p.dag_run_id,
      dagId: dag === undefined && like === undefined ? undefined : (id) => (dag === undefined || id === dag) && (like === undefined || like(id)),
    };
    const s = records.select(filter, o.value, pg.value.offset, pg.value.limit);
    if (!s) return problem(api, 400, `this history cannot be sorted by ${c.query.order_by ?? 'default'}`, 'Bad Request');
    return { status: 200, body: { [which === 'runs' ? 'dag_runs' : 'task_instances']: s.items.map(view), total_entries: s.total } };
  };
}

/** The list routes of `api` (method, path pattern, handler); tries come before `{map_index}` routes. */
export function listRoutes(api: Api, sources: ListSources, maxPageLimit: number): [string, string, Route][] {
  const prefix = `/api/${api}/dags/{dag_id}/dagRuns`;
  const tries: Route = (c, p) => {
    const refused = strict(api, 'tries', c.query);
    if (refused) return refused;
    const mapIndex = Number(p.map_index ?? c.query.map_index ?? -1);
    const all = sources.tries(p.dag_id ?? '', p.dag_run_id ?? '', p.task_id ?? '', Number.isInteger(mapIndex) ? mapIndex : Number.NaN);
    if (!all) return problem(api, 404, `Task Instance not found for dag_id=${p.dag_id}, run_id=${p.dag_run_id}, task_id=${p.task_id}`, 'Task instance not found');
    return { status: 200, body: { task_instances: all.map((t) => tryView(api, t)), total_entries: all.length } };
  };
  return [
    ['GET', prefix, list(api, 'runs', sources.dagRuns, (r) => dagRunView(api, r), maxPageLimit)],
    ['GET', `${prefix}/{dag_run_id}/taskInstances`, list(api, 'tis', sources.taskInstances, (t) => taskInstanceView(api, t), maxPageLimit)],
    ['GET', `${prefix}/{dag_run_id}/taskInstances/{task_id}/tries`, tries],
    ['GET', `${prefix}/{dag_run_id}/taskInstances/{task_id}/{map_index}/tries`, tries],
  ];
}
