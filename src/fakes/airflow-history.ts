/**
 * A large Airflow history made up on demand, for benchmarks: `dags` DAGs each run once a day
 * for `days` days up to `end`, each run holding `tasksPerDag` task instances. Nothing is
 * stored: record i is computed from i and the seed. Records are numbered in `updated_at` order,
 * which is also their id order, so the page of any `updated_at` window is found by binary
 * search and only its records are generated; other filters scan the window.
 */
import type { FakeDagRun, FakeTaskInstance } from './airflow-state.ts';
import { matches, withinBound, type ListFilter, type ListOrder, type Records, type Selection } from './airflow-records.ts';

export interface HistoryOptions {
  dags: number;
  days: number;
  tasksPerDag: number;
  /** Share of task instances that took more than one try. @defaultValue 0.1 */
  retryShare?: number;
  /** Share of task instances that failed in the end. @defaultValue 0.02 */
  failShare?: number;
  /** @defaultValue 1 */
  seed?: number;
  /** When the history ends; every task has finished by then. @defaultValue now */
  end?: Date;
}

export interface SyntheticHistory {
  taskInstances: Records<FakeTaskInstance>;
  dagRuns: Records<FakeDagRun>;
  /** Every try of one task instance, earlier ones first; undefined when it is not in the history. */
  tries(dagId: string, runId: string, taskId: string, mapIndex: number): FakeTaskInstance[] | undefined;
  readonly size: { dagRuns: number; taskInstances: number };
}

const DAY = 86_400_000;
const RETRY_DELAY = 300_000;

/** A number in [0, 1) from (seed, i, salt): murmur3's finaliser over their mix. */
function unit(seed: number, i: number, salt: number): number {
  let h = Math.imul(i ^ Math.imul(salt, 0x9e3779b1), 0x85ebca6b) ^ seed;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/** The first index in [0, n) whose key meets `ok`, for a non-decreasing key; n when none. */
function firstWhere(n: number, ok: (i: number) => boolean): number {
  let [lo, hi] = [0, n];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ok(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * A page of records [0, n) numbered in `updated_at` order: the window comes from the
 * `updated_at` bounds, then any other filter is checked record by record.
 */
function pager<T extends FakeTaskInstance | FakeDagRun>(n: number, updatedAt: (i: number) => number, dagOf: (i: number) => string, make: (i: number) => T): Records<T> {
  return {
    select(filter: ListFilter, order: ListOrder | undefined, offset: number, limit: number): Selection<T> | undefined {
      // Ids follow updated_at and every map_index is -1: these orders are the natural one.
      if (order && (order.desc || !['updated_at', 'map_index', 'id'].includes(order.field))) return undefined;
      let [lo, hi] = [0, n];
      for (const b of filter.bounds.filter((x) => x.field === 'updated_at')) {
        if (b.op === 'gte' || b.op === 'gt') lo = Math.max(lo, firstWhere(n, (i) => withinBound(updatedAt(i), b)));
        else hi = Math.min(hi, firstWhere(n, (i) => !withinBound(updatedAt(i), b)));
      }
      if (hi <= lo) return { total: 0, items: [] };
      const rest: ListFilter = { ...filter, bounds: filter.bounds.filter((x) => x.field !== 'updated_at'), dagId: undefined };
      const plain = rest.bounds.length === 0 && rest.runId === undefined && rest.state === undefined;
      if (plain && filter.dagId === undefined) {
        const items: T[] = [];
        for (let i = lo + offset; i < Math.min(hi, lo + offset + limit); i += 1) items.push(make(i));
        return { total: hi - lo, items };
      }
      let total = 0;
      const items: T[] = [];
      for (let i = lo; i < hi; i += 1) {
        if (filter.dagId && !filter.dagId(dagOf(i))) continue;
        const inPage = total >= offset && items.length < limit;
        if (!plain || inPage) {
          const r = make(i);
          if (!plain && !matches(r, rest)) continue;
          if (inPage) items.push(r);
        }
        total += 1;
      }
      return { total, items };
    },
  };
}

/** Generates the history `o` describes; see the module comment for its shape. */
export function syntheticHistory(o: HistoryOptions): SyntheticHistory {
  const { dags: D, days: N, tasksPerDag: T } = o;
  const [retryShare, failShare, seed] = [o.retryShare ?? 0.1, o.failShare ?? 0.02, o.seed ?? 1];
  const end = (o.end ?? new Date()).getTime();
  // Days start at midnight UTC, as a daily schedule's logical dates do; the last one ends by `end`.
  const begin = Math.floor(end / DAY) * DAY - N * DAY;
  const nTi = N * T * D;
  const step = (N * DAY) / (nTi + 1);
  const pad = (n: number, of: number) => String(n).padStart(String(of - 1).length, '0');
  const dagNames = Array.from({ length: D }, (_, k) => `dag_${pad(k, D)}`);
  const taskNames = Array.from({ length: T }, (_, t) => `task_${pad(t, T)}`);
  const iso = (ms: number) => new Date(ms).toISOString();
  const logical = (d: number) => iso(begin + d * DAY);
  const runId = (d: number) => `scheduled__${logical(d).replace('.000Z', '+00:00')}`;

  const tiIndex = (d: number, t: number, k: number) => (d * T + t) * D + k;
  const tiUpdated = (i: number) => begin + Math.floor((i + 1) * step);
  const tries = (i: number) => (unit(seed, i, 2) < retryShare ? (unit(seed, i, 3) < 0.25 ? 3 : 2) : 1);
  const failed = (i: number) => unit(seed, i, 4) < failShare;

  function taskInstance(i: number, tryNumber?: number): FakeTaskInstance {
    const [d, t, k] = [Math.floor(i / (T * D)), Math.floor((i % (T * D)) / D), i % D];
    const last = tries(i);
    const n = tryNumber ?? last;
    const duration = 30_000 + Math.floor(unit(seed, i, 1) * 570_000);
    const start = tiUpdated(i) - duration - (last - n) * (duration + RETRY_DELAY);
    const finish = n === last ? tiUpdated(i) : start + Math.floor(duration / 2);
    return {
      dag_id: dagNames[k] ?? '', dag_run_id: runId(d), task_id: taskNames[t] ?? '', map_index: -1,
      state: n < last || failed(i) ? 'failed' : 'success', try_number: n, max_tries: 2,
      start_date: iso(start), end_date: iso(finish), queued_when: iso(start - 5_000), logical_date: logical(d), updated_at: iso(finish),
    };
  }

  const runLastTi = (r: number) => tiIndex(Math.floor(r / D), T - 1, r % D);
  function dagRun(r: number): FakeDagRun {
    const [d, k] = [Math.floor(r / D), r % D];
    const first = taskInstance(tiIndex(d, 0, k));
    const lastEnd = tiUpdated(runLastTi(r));
    let anyFailed = false;
    for (let t = 0; t < T && !anyFailed; t += 1) anyFailed = failed(tiIndex(d, t, k));
    return {
      dag_id: dagNames[k] ?? '', dag_run_id: runId(d), state: anyFailed ? 'failed' : 'success', run_type: 'scheduled',
      logical_date: logical(d), start_date: first.queued_when, end_date: iso(lastEnd), updated_at: iso(lastEnd + 1),
    };
  }

  return {
    taskInstances: pager(nTi, tiUpdated, (i) => dagNames[i % D] ?? '', (i) => taskInstance(i)),
    dagRuns: pager(N * D, (r) => tiUpdated(runLastTi(r)) + 1, (r) => dagNames[r % D] ?? '', dagRun),
    tries(dagId, run, taskId, mapIndex) {
      const k = dagNames.indexOf(dagId);
      const t = taskNames.indexOf(taskId);
      const m = /^scheduled__(.+)$/.exec(run);
      const d = m?.[1] === undefined ? Number.NaN : (Date.parse(m[1]) - begin) / DAY;
      if (k < 0 || t < 0 || mapIndex !== -1 || !Number.isInteger(d) || d < 0 || d >= N || runId(d) !== run) return undefined;
      const i = tiIndex(d, t, k);
      return Array.from({ length: tries(i) }, (_, n) => taskInstance(i, n + 1));
    },
    size: { dagRuns: N * D, taskInstances: nTi },
  };
}
