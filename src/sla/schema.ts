/**
 * Glossary: a *service* is a business commitment — a DAG of jobs across sources with a deadline,
 * owners and the services downstream of it; a *service instance* is one execution of it (one
 * day's close, one customer's application).
 */
import { z } from 'zod';
import { TimeZone } from '../time-zone.ts';


/** When a service instance must be done. */
export const Deadline = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('time'),
    /** Wall-clock time in `timeZone`, `HH:MM`. */
    at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM, e.g. 06:00'),
    timeZone: TimeZone,
    /** Days the deadline applies on: every day, Monday to Friday, or a cron day pattern. @defaultValue daily */
    calendar: z.union([z.enum(['daily', 'weekdays']), z.strictObject({ cron: z.string().min(9) })]).default('daily'),
  }),
  z.strictObject({
    kind: z.literal('duration'),
    /** Minutes after the instance starts (an application submitted, a file received). */
    minutes: z.number().positive().max(60 * 24 * 31),
  }),
]);
export type Deadline = z.infer<typeof Deadline>;

const JobName = z.string().regex(/^[^/\s]+(?:\/[^\s]+)$/, 'must be namespace/name, e.g. airflow-prod/finance_close.load_dw');

export const ServiceJob = z.strictObject({
  job: JobName,
  /**
   * Jobs that must finish before this one starts: jobs of this service, or with `terminal`, any
   * job (it joins the service).
   */
  after: z.array(JobName).default([]),
});

export const ServiceDefinition = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, 'must be lowercase letters, digits, - and _'),
  title: z.string().min(1).max(200).optional(),
  description: z.string().max(2_000).optional(),
  /** The jobs and their declared dependencies. @defaultValue none, when `terminal` is given */
  jobs: z.array(ServiceJob).default([]),
  /**
   * Jobs whose finish is the service's: with everything upstream of them, as ingest learned it
   * from lineage (see `sla/lineage.ts`) and as `after` declares it, they are the service's jobs.
   */
  terminal: z.array(JobName).min(1).max(100).optional(),
  deadline: Deadline,
  criticality: z.enum(['low', 'medium', 'high', 'critical']).default('medium'),
  owners: z.array(z.string().min(1)).default([]),
  channel: z.string().min(1).optional(),
  /** Services that consume this one's output and so miss their deadline when it is late. */
  downstream: z.array(z.string()).default([]),
  alert: z.strictObject({
    /** Alert when P(breach) reaches this. @defaultValue 0.3 */
    breachProbability: z.number().min(0).max(1).default(0.3),
    /** Alert when the p90 ETA leaves less slack than this. @defaultValue 15 */
    slackMinutes: z.number().min(0).default(15),
  }).default({ breachProbability: 0.3, slackMinutes: 15 }),
}).superRefine((s, ctx) => {
  if (s.jobs.length === 0 && s.terminal === undefined) {
    ctx.addIssue({ code: 'custom', path: ['jobs'], message: 'a service needs its jobs: list them in "jobs", or name its last jobs in "terminal", or both' });
  }
  // A closure-defined service takes in what `after` names; a declared one must list it.
  const names = new Set(s.jobs.map((j) => j.job));
  if (s.terminal === undefined) s.jobs.forEach((j, i) => j.after.forEach((dep, k) => {
    if (!names.has(dep)) ctx.addIssue({ code: 'custom', path: ['jobs', i, 'after', k], message: `"${dep}" is not a job of this service` });
  }));
  const cycle = findCycle(s.jobs);
  if (cycle) ctx.addIssue({ code: 'custom', path: ['jobs'], params: { code: 'cycle' }, message: `dependencies form a cycle: ${cycle.join(' → ')}` });
});
export type ServiceDefinition = z.infer<typeof ServiceDefinition>;

function findCycle(jobs: { job: string; after: string[] }[]): string[] | undefined {
  const deps = new Map(jobs.map((j) => [j.job, j.after]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...trail.slice(trail.indexOf(name)), name];
    state.set(name, 'visiting');
    for (const d of deps.get(name) ?? []) {
      const found = visit(d, [...trail, name]);
      if (found) return found;
    }
    state.set(name, 'done');
    return undefined;
  };
  for (const j of jobs) {
    const found = visit(j.job, []);
    if (found) return found;
  }
  return undefined;
}
