/**
 * How the fake Airflow's list endpoints pick records: a filter, an order and a page, over the
 * records a test adds, a synthetic history generated on demand, or the two one after the other.
 */
import type { FakeDagRun, FakeTaskInstance } from './airflow-state.ts';

/** The time columns the list endpoints filter on. */
export type TimeField = 'updated_at' | 'start_date' | 'end_date' | 'logical_date';

/** One `<field>_gte|_gt|_lte|_lt` query parameter, in milliseconds. */
export interface TimeBound {
  field: TimeField;
  op: 'gte' | 'gt' | 'lte' | 'lt';
  at: number;
}

export interface ListFilter {
  bounds: TimeBound[];
  /** The DAG id in the path and `dag_id_pattern`; undefined for every DAG. */
  dagId: ((dagId: string) => boolean) | undefined;
  /** The DAG run id in the path, unless `~`. */
  runId: string | undefined;
  state: string | undefined;
}

/** A sort on one record field; undefined means id order, which is insertion order here. */
export interface ListOrder {
  field: string;
  desc: boolean;
}

export interface Selection<T> {
  /** What matches the filter, before `offset` and `limit`: Airflow's `total_entries`. */
  total: number;
  items: T[];
}

export interface Records<T> {
  /** A page of what matches `filter`; undefined when these records cannot be sorted by `order`. */
  select(filter: ListFilter, order: ListOrder | undefined, offset: number, limit: number): Selection<T> | undefined;
}

type Row = FakeTaskInstance | FakeDagRun;

const timeOf = (v: unknown): number | undefined => (typeof v === 'string' ? Date.parse(v) : undefined);

/** Whether a time meets a bound; a null time meets none, as SQL's comparisons with NULL. */
export function withinBound(t: number | undefined, b: TimeBound): boolean {
  if (t === undefined || Number.isNaN(t)) return false;
  switch (b.op) {
    case 'gte': return t >= b.at;
    case 'gt': return t > b.at;
    case 'lte': return t <= b.at;
    case 'lt': return t < b.at;
  }
}

export function matches(r: Row, f: ListFilter): boolean {
  return (f.dagId === undefined || f.dagId(r.dag_id))
    && (f.runId === undefined || r.dag_run_id === f.runId)
    && (f.state === undefined || r.state === f.state)
    && f.bounds.every((b) => withinBound(timeOf(r[b.field]), b));
}

function compare(a: unknown, b: unknown): number {
  // PostgreSQL sorts NULLs last in ascending order.
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}

/** The records a test added, filtered and sorted on each call (they are few). */
export function inMemory<T extends Row>(list: () => readonly T[]): Records<T> {
  return {
    select(filter, order, offset, limit) {
      const hits = list().filter((r) => matches(r, filter));
      if (order) {
        const sign = order.desc ? -1 : 1;
        // Array.prototype.sort is stable: equal keys stay in id order, Airflow's tie-breaker.
        hits.sort((a, b) => sign * compare((a as unknown as Record<string, unknown>)[order.field], (b as unknown as Record<string, unknown>)[order.field]));
      }
      return { total: hits.length, items: hits.slice(offset, offset + limit) };
    },
  };
}

/** `first`'s records, then `then`'s, as if `then`'s ids all came after `first`'s. */
export function concat<T>(first: Records<T>, then: Records<T>): Records<T> {
  return {
    select(filter, order, offset, limit) {
      const a = first.select(filter, order, offset, limit);
      const b = then.select(filter, order, Math.max(0, offset - (a?.total ?? 0)), limit - (a?.items.length ?? 0));
      if (!a || !b) return undefined;
      // Two sorted runs laid end to end are sorted only in id order.
      if (order && a.total > 0 && b.total > 0) return undefined;
      return { total: a.total + b.total, items: [...a.items, ...b.items] };
    },
  };
}
