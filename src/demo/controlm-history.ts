import { DateTime } from 'luxon';
import { MINUTE, type Random } from './random.ts';

/** Payroll on Control-M: extract → calculate → transfer, weekdays, times in New York. */
export const payroll = {
  server: 'ctm-prod',
  folder: 'PAYROLL',
  timeZone: 'America/New_York',
  startHourLocal: 18,
  jobs: [
    { name: 'PAY_EXTRACT', medianMin: 12, sigma: 0.2, failP: 0.02 },
    { name: 'PAY_CALC', medianMin: 30, sigma: 0.25, failP: 0.03 },
    { name: 'PAY_TRANSFER', medianMin: 6, sigma: 0.3, failP: 0.1 },
  ],
} as const;

/** Control-M's own time format, e.g. `Jul 29, 2019 7:17:33 PM`, in the server's zone. */
const ctmTime = (t: number) =>
  DateTime.fromMillis(t, { zone: payroll.timeZone }).toFormat('LLL d, yyyy h:mm:ss a');

/** One business day's job statuses as `GET /run/jobs/status` returns them. */
export function payrollDay(r: Random, day: DateTime): unknown[] {
  const orderDate = day.toFormat('yyMMdd');
  let t = day.set({ hour: payroll.startHourLocal, minute: 0, second: 0 }).toMillis() + r.int(5, 120) * 1000;
  const statuses: unknown[] = [];
  for (const [i, job] of payroll.jobs.entries()) {
    const fails = r.chance(job.failP);
    const runs = fails ? 1 : r.chance(0.05) ? 2 : 1;
    const end = t + r.lognormal(job.medianMin, job.sigma) * MINUTE;
    statuses.push({
      jobId: `${payroll.server}:${orderDate}${(i + 1).toString(36).padStart(3, '0')}`,
      folderId: `${payroll.server}:${orderDate}000`,
      numberOfRuns: runs,
      name: job.name,
      folder: payroll.folder,
      type: 'Command',
      status: fails ? 'Ended Not OK' : 'Ended OK',
      held: false,
      deleted: false,
      cyclic: false,
      startTime: ctmTime(t),
      endTime: ctmTime(end),
      estimatedStartTime: [],
      estimatedEndTime: [],
      orderDate,
      ctm: payroll.server,
      description: `${job.name.toLowerCase()} for payroll`,
      host: 'ctm-agent-01',
      application: 'HR',
      subApplication: 'PAYROLL',
      outputURI: `https://ctm.example:8443/automation-api/run/job/${payroll.server}:${orderDate}/output`,
      logURI: `https://ctm.example:8443/automation-api/run/job/${payroll.server}:${orderDate}/log`,
    });
    if (fails) break;
    t = end + r.int(5, 60) * 1000;
  }
  return statuses;
}
