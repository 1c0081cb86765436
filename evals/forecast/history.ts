/**
 * Generated service histories with the behaviour real batch pipelines have: heavy-tailed run
 * times, Monday volume, retries after failures, upstream delays and occasional incidents that
 * slow one job several-fold. The truth (did the instance breach?) is known for every day.
 */
import { seeded } from '../../src/demo/random.ts';
import type { JobHistory, RunRow } from '../../src/sla/instance-sql.ts';
import type { AttemptSample } from '../../src/sla/model.ts';

export const MIN = 60_000;
export const DAY = 86_400_000;

export const dag = [
  { job: 'erp/extract', after: [] as string[], median: 22, sigma: 0.25 },
  { job: 'bank/extract', after: [] as string[], median: 14, sigma: 0.35 },
  { job: 'dw/load', after: ['erp/extract', 'bank/extract'], median: 35, sigma: 0.3 },
  { job: 'dw/reconcile', after: ['dw/load'], median: 18, sigma: 0.3 },
  { job: 'bi/publish', after: ['dw/reconcile'], median: 8, sigma: 0.2 },
];

export interface Attempt { start: number; end: number; failed: boolean }
export interface Day { start: number; attempts: Map<string, Attempt[]>; finish: number }

/** `days` instances starting at 01:00 UTC each day from 2026-06-01. */
export function generate(days: number, seed: number): Day[] {
  const r = seeded(seed);
  const out: Day[] = [];
  for (let d = 0; d < days; d++) {
    const start = Date.UTC(2026, 5, 1, 1) + d * DAY;
    const weekday = new Date(start).getUTCDay();
    const volume = weekday === 1 ? 1.4 : weekday === 0 || weekday === 6 ? 0.8 : 1;
    const incident = r.chance(0.08) ? r.pick(dag).job : undefined;
    const ends = new Map<string, number>();
    const attempts = new Map<string, Attempt[]>();
    for (const j of dag) {
      let t = Math.max(start, ...j.after.map((a) => ends.get(a) ?? start)) + r.int(0, 4) * MIN;
      const list: Attempt[] = [];
      for (let k = 0; k < 3; k++) {
        const slow = incident === j.job ? r.lognormal(3.5, 0.3) : 1;
        const dur = r.lognormal(j.median * volume * slow, j.sigma) * MIN;
        const failed = k < 2 && r.chance(0.07);
        const end = t + (failed ? dur * r.next() : dur);
        list.push({ start: t, end, failed });
        if (!failed) break;
        t = end + 5 * MIN;
      }
      attempts.set(j.job, list);
      ends.set(j.job, list.at(-1)?.end ?? t);
    }
    out.push({ start, attempts, finish: Math.max(...ends.values()) });
  }
  return out;
}

/** The attempts of `job` over the given days, as the model reads history. */
export function samplesOf(days: Day[], job: string): AttemptSample[] {
  return days.flatMap((d) => (d.attempts.get(job) ?? []).map((a) => ({ startedAt: new Date(a.start), durationMs: a.end - a.start, failed: a.failed })));
}

/** The days as Medic's store would hold them: each job's attempts with their retry delays… */
export function historiesOf(days: Day[]): Map<string, JobHistory> {
  return new Map(dag.map((j) => [j.job, {
    attempts: samplesOf(days, j.job),
    retryDelaysMs: days.flatMap((d) => (d.attempts.get(j.job) ?? []).slice(1).map((a, k) => a.start - ((d.attempts.get(j.job) ?? [])[k]?.end ?? a.start))),
  }]));
}

/** …and one run per job and day, all of a day's runs sharing its key, as a DAG run's do. */
export function runsOf(days: Day[]): RunRow[] {
  return days.flatMap((d, i) => dag.flatMap((j) => {
    const list = d.attempts.get(j.job) ?? [];
    const first = list[0];
    const last = list.at(-1);
    if (!first || !last) return [];
    return [{ job: j.job, run_key: `day-${i}-${d.start}`, state: last.failed ? 'failed' : 'completed', scheduled_at: null, started_at: new Date(first.start), ended_at: new Date(last.end) }];
  }));
}
