import { DAY, MINUTE, seeded } from './random.ts';

/**
 * Two services that consume the financial close, run by a BI scheduler that reports in the generic
 * format: the finance dashboard refresh and the receivables aging. Each starts a few minutes after
 * the close publishes its reports and declares that it waits for it.
 */
export const financeDownstream = {
  source: 'bi-scheduler',
  namespace: 'bi',
  jobs: [
    { name: 'finance_dashboard.refresh', after: 2, medianMin: 14, sigma: 0.3 },
    { name: 'ar_aging.compute', after: 4, medianMin: 24, sigma: 0.25 },
  ],
} as const;

const PUBLISH = 'finance_close.publish_reports';

/** When the close published its reports, read from its OpenLineage events; undefined if it never did. */
function publishedAt(closeEvents: unknown[]): number | undefined {
  const done = closeEvents.filter((e): e is { eventType: string; eventTime: string; job: { name: string } } =>
    typeof e === 'object' && e !== null && (e as { eventType?: unknown }).eventType === 'COMPLETE' && (e as { job?: { name?: unknown } }).job?.name === PUBLISH);
  const at = done.map((e) => Date.parse(e.eventTime));
  return at.length ? Math.max(...at) : undefined;
}

/** Generic events of one day's downstream runs; a generator of their own (seeded by the day) leaves the rest of the demo unchanged. */
export function financeDownstreamDay(closeEvents: unknown[], day: number): unknown[] {
  const published = publishedAt(closeEvents);
  if (published === undefined) return [];
  const r = seeded(Math.floor(day / DAY));
  const key = new Date(day).toISOString().slice(0, 10).replaceAll('-', '');
  return financeDownstream.jobs.flatMap((j) => {
    const start = published + (j.after + r.next() * 3) * MINUTE;
    const end = start + r.lognormal(j.medianMin, j.sigma) * MINUTE;
    const base = {
      job: { namespace: financeDownstream.namespace, name: j.name },
      run: { id: `${j.name}-${key}`, key: `${j.name.split('.')[0]}-${key}`, attempt: 1 },
      upstream: [{ namespace: 'airflow-prod', name: PUBLISH }],
    };
    return [
      { ...base, type: 'started', time: new Date(start).toISOString(), startedAt: new Date(start).toISOString() },
      { ...base, type: 'completed', time: new Date(end).toISOString(), endedAt: new Date(end).toISOString() },
    ];
  });
}
