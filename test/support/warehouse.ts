/**
 * A small warehouse pipeline for preflight tests: `wh/load` (Airflow, through OpenLineage)
 * writes `warehouse/dw.ledger` at 01:00–01:40 UTC with about a million rows, and
 * `wh/reconcile` (generic events) reads it at 02:00–02:20. Days are days of November 2026.
 */
export const LEDGER = { namespace: 'warehouse', name: 'dw.ledger' };
export const LEDGER_NAME = 'warehouse/dw.ledger';

/** A time on a day of November 2026, UTC. */
export const at = (day: number, hour: number, minute = 0) => new Date(Date.UTC(2026, 10, day, hour, minute)).toISOString();

/** About a million rows, ±30k from one day to the next. */
export const usualRows = (day: number) => 1_000_000 + (((day * 7_919) % 61) - 30) * 1_000;

/** The median of the usual sizes of days `from`..`to`, rounded as Medic prints it. */
export function usualMedian(from: number, to: number): number {
  const xs = Array.from({ length: to - from + 1 }, (_, i) => usualRows(from + i)).sort((a, b) => a - b);
  const mid = Math.floor(xs.length / 2);
  return Math.round(xs.length % 2 ? (xs[mid] ?? 0) : ((xs[mid - 1] ?? 0) + (xs[mid] ?? 0)) / 2);
}

export interface LoadTry {
  tryNumber?: number;
  start?: string;
  end?: string;
  /** Rows written, reported as `outputStatistics`; none when absent. */
  rows?: number;
  failed?: boolean;
}

/** One try of the day's load as the Airflow provider reports it: START, then COMPLETE or FAIL. */
export function loadTry(day: number, t: LoadTry = {}): object[] {
  const tryNumber = t.tryNumber ?? 1;
  const runId = `00000000-0000-4000-8000-${String(day * 100 + tryNumber).padStart(12, '0')}`;
  const facets = { airflow: { dagRun: { run_id: `scheduled__${day}` }, taskInstance: { try_number: tryNumber } } };
  const job = { namespace: 'wh', name: 'load' };
  const output = t.rows === undefined ? LEDGER : { ...LEDGER, outputFacets: { outputStatistics: { rowCount: t.rows, size: t.rows * 240 } } };
  return [
    { eventType: 'START', eventTime: t.start ?? at(day, 1), run: { runId, facets }, job, outputs: [LEDGER] },
    {
      eventType: t.failed ? 'FAIL' : 'COMPLETE', eventTime: t.end ?? at(day, 1, 40), job, outputs: [output],
      run: { runId, facets: t.failed ? { ...facets, errorMessage: { message: 'OSError: [Errno 28] No space left on device', programmingLanguage: 'python' } } : facets },
    },
  ];
}

/** The day's reconcile in Medic's generic format: started and completed, reading the ledger. */
export function reconcileDay(day: number): object[] {
  const base = { job: { namespace: 'wh', name: 'reconcile' }, run: { id: `reconcile-${day}` }, inputs: [LEDGER] };
  return [
    { ...base, type: 'started', time: at(day, 2), startedAt: at(day, 2) },
    { ...base, type: 'completed', time: at(day, 2, 20), endedAt: at(day, 2, 20), outputs: [{ namespace: 'warehouse', name: 'dw.reconciliation', rowCount: 1_200 }] },
  ];
}
