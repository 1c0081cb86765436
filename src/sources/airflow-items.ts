/**
 * What goes into a page of Airflow history: the listed items of the configured DAGs, and for
 * a task instance past its first try, its earlier tries (a failed try 1 before a successful try
 * 2 is what Medic learns from), each one a task instance payload of its own try number.
 */
import { isObject, type AirflowReader, type ListAnswer, type TaskInstanceRef } from './airflow-http.ts';

type Malformed = Extract<ListAnswer, { kind: 'malformed' }>;
type Failed = Extract<ListAnswer, { kind: 'failed' }>;

/** The items of DAGs `keep` accepts; an item without a DAG id is kept for ingest to refuse. */
export const ofDags = (items: unknown[], keep: (dagId: string) => boolean): unknown[] =>
  items.filter((i) => !isObject(i) || typeof i.dag_id !== 'string' || keep(i.dag_id));

const EVENT_TIMES = ['end_date', 'start_date', 'queued_when', 'queued_at', 'logical_date', 'execution_date'];

/** The latest event time among `items`, each dated as the ingest adapter dates it. */
export function newestOf(items: unknown[]): Date | null {
  let newest = Number.NEGATIVE_INFINITY;
  for (const item of items) {
    if (!isObject(item)) continue;
    const at = EVENT_TIMES.map((k) => item[k]).find((v): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v)));
    if (at !== undefined) newest = Math.max(newest, Date.parse(at));
  }
  return Number.isFinite(newest) ? new Date(newest) : null;
}

function retried(item: unknown): (TaskInstanceRef & { tryNumber: number }) | undefined {
  if (!isObject(item)) return undefined;
  const { dag_id: dagId, dag_run_id: runId, task_id: taskId, map_index: mapIndex, try_number: tryNumber } = item;
  if (typeof dagId !== 'string' || typeof runId !== 'string' || typeof taskId !== 'string') return undefined;
  if (typeof tryNumber !== 'number' || tryNumber <= 1) return undefined;
  return { dagId, runId, taskId, mapIndex: typeof mapIndex === 'number' ? mapIndex : -1, tryNumber };
}

export type Tries =
  | { kind: 'ok'; items: unknown[]; malformed: Malformed[] }
  | { kind: 'failed'; answer: Failed };

/**
 * The earlier tries of the retried task instances among `items`. The listing also holds the
 * current try, which is already on the page. A task instance gone since it was listed (404) has
 * no tries to tell; any other failure ends the pass, to be read again from the same window.
 */
export async function earlierTries(reader: AirflowReader, items: unknown[]): Promise<Tries> {
  const refs = items.map(retried).filter((r) => r !== undefined);
  const answers = await Promise.all(refs.map((r) => reader.tries(r)));
  const out: unknown[] = [];
  const malformed: Malformed[] = [];
  for (const [i, a] of answers.entries()) {
    if (a.kind === 'failed') {
      if (a.status === 404) continue;
      return { kind: 'failed', answer: a };
    }
    if (a.kind === 'malformed') {
      malformed.push(a);
      continue;
    }
    const current = refs[i]?.tryNumber ?? 0;
    out.push(...a.items.filter((t) => !isObject(t) || typeof t.try_number !== 'number' || t.try_number < current));
  }
  return { kind: 'ok', items: out, malformed };
}
