/**
 * Airflow's list endpoints as the puller reads them, in both API versions:
 * - DAG runs: `GET /api/{v}/dags/~/dagRuns`, task instances: `GET /api/{v}/dags/~/dagRuns/~/taskInstances`,
 *   each over an `updated_at_gte`/`updated_at_lte` window, paged by `limit`/`offset`, counted by
 *   `total_entries`. Both versions filter on `updated_at` (v1 since 2.6) but neither returns it,
 *   and v1 cannot order task instances at all (its 2.10 spec gives that list no `order_by`), so
 *   the puller walks time windows rather than a keyset. `order_by=id` where the list takes it
 *   keeps an offset walk inside one window stable.
 * - Tries: `GET …/taskInstances/{task_id}[/{map_index}]/tries` (2.10+ and v2).
 * v2 also narrows lists to a single DAG glob by `dag_id_pattern` (SQL LIKE, where `_` is a
 * wildcard too: a superset, and the puller checks each id itself). Several globs would need its
 * `|`, which 3.2 documents and earlier 3.x releases may read literally, matching nothing; so
 * they are checked here only, as they are in v1, which has no DAG filter across `~`.
 */
import type { AirflowSource } from './config.ts';
import type { PullCall } from './puller.ts';
import { failedStep, isObject, sourceGet } from './source-api.ts';

export { failedStep, isObject };

export type Stream = 'dag_runs' | 'task_instances';

/** A list's answer: its items and `total_entries`, an unreadable body, or no answer. */
export type ListAnswer =
  | { kind: 'list'; where: string; items: unknown[]; total: number }
  | { kind: 'malformed'; where: string; field: string; detail: string }
  | { kind: 'failed'; where: string; status: number | null; detail: string };

/** One time window of a list, in milliseconds, both ends included. */
export interface Window {
  from: number;
  to: number;
  offset: number;
  limit: number;
}

/** Names one task instance for its tries. */
export interface TaskInstanceRef {
  dagId: string;
  runId: string;
  taskId: string;
  mapIndex: number;
}

export interface AirflowReader {
  list(stream: Stream, w: Window): Promise<ListAnswer>;
  tries(ti: TaskInstanceRef): Promise<ListAnswer>;
}

/** One glob as a `dag_id_pattern` (`*` becomes `%`); none for several, or for none. */
export const likeOf = (globs: readonly string[]): string | undefined => (globs.length === 1 ? globs[0]?.replace(/\*+/g, '%') : undefined);

function readList(json: unknown, key: string, where: string): ListAnswer {
  if (!isObject(json)) return { kind: 'malformed', where, field: '', detail: json === undefined ? 'the answer is not JSON' : 'the answer is not a JSON object' };
  const items = json[key];
  if (!Array.isArray(items)) return { kind: 'malformed', where, field: key, detail: `"${key}" is ${items === undefined ? 'missing' : 'not a list'}` };
  const total = json.total_entries;
  if (typeof total !== 'number' || !Number.isInteger(total) || total < 0) {
    return { kind: 'malformed', where, field: 'total_entries', detail: `"total_entries" is ${total === undefined ? 'missing' : 'not a count'}` };
  }
  return { kind: 'list', where, items, total };
}

export function airflowReader(source: AirflowSource, call: PullCall): AirflowReader {
  const root = `${source.url}/api/${source.api}`;
  const pattern = source.api === 'v2' ? likeOf(source.pull.namespaces) : undefined;
  const fetchFrom = sourceGet(source, root, call, { decodePath: true });
  const get = async (path: string, query: Record<string, string>, key: string): Promise<ListAnswer> => {
    const a = await fetchFrom(path, query, `Airflow GET /api/${source.api}${path}`);
    return a.kind === 'ok' ? readList(a.json, key, a.where) : a;
  };

  return {
    list(stream, w) {
      const query: Record<string, string> = {
        updated_at_gte: new Date(w.from).toISOString(), updated_at_lte: new Date(w.to).toISOString(),
        limit: String(w.limit), offset: String(w.offset),
      };
      if (stream === 'dag_runs' || source.api === 'v2') query.order_by = 'id';
      if (pattern !== undefined) query.dag_id_pattern = pattern;
      return get(stream === 'dag_runs' ? '/dags/~/dagRuns' : '/dags/~/dagRuns/~/taskInstances', query, stream);
    },
    tries(ti) {
      const at = [ti.dagId, 'dagRuns', ti.runId, 'taskInstances', ti.taskId, ...(ti.mapIndex >= 0 ? [String(ti.mapIndex)] : [])].map(encodeURIComponent);
      return get(`/dags/${at.join('/')}/tries`, {}, 'task_instances');
    },
  };
}
