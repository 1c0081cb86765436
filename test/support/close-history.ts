/**
 * The month close the SLA tests forecast: its services over the jobs of namespace `close`
 * (extract, then load, then report; the dashboard's publish after them) and days of their runs
 * as the generic format carries them. Each suite gives its own deadlines and durations.
 */
import { stringify } from 'yaml';
import type { z } from 'zod';
import type { ServiceDefinition } from '../../src/sla/schema.ts';

const MIN = 60_000;

/** A service definition as a file states it, before the defaults are filled in. */
export type ServiceInput = z.input<typeof ServiceDefinition>;

/** The close: extract, then load, then report, titled "Month close" unless `over` says otherwise. */
export function closeService(over: Omit<ServiceInput, 'name' | 'jobs'>): ServiceInput {
  const jobs = [{ job: 'close/extract' }, { job: 'close/load', after: ['close/extract'] }, { job: 'close/report', after: ['close/load'] }];
  return { name: 'close', title: 'Month close', jobs, ...over };
}

/** A service of `close/audit_export`, a job no generated day runs: a service Medic cannot forecast yet. */
export function unseenService(name: string): ServiceInput {
  return { name, jobs: [{ job: 'close/audit_export' }], deadline: { kind: 'duration', minutes: 30 } };
}

/** `services` as one YAML file of several documents, as `POST /v1/services` and `medic services apply` take it. */
export function servicesFile(...services: ServiceInput[]): string {
  return services.map((s) => stringify(s)).join('---\n');
}

/**
 * Generic events of one run of `close/<job>` in instance `key`, from `start` for `minutes`;
 * it fails with `failure` when there is one. The load and the report name the job before them
 * as upstream, as an orchestrator that knows its lineage does.
 */
export function closeRun(job: string, key: string, start: number, minutes: number, failure?: string): unknown[] {
  const upstream = { load: ['extract'], report: ['load'] }[job]?.map((name) => ({ namespace: 'close', name }));
  const base = { job: { namespace: 'close', name: job }, run: { id: `${job}-${key}`, key, attempt: 1 }, ...(upstream ? { upstream } : {}) };
  const end = iso(start + minutes * MIN);
  return [
    { ...base, type: 'started', time: iso(start), startedAt: iso(start) },
    failure === undefined
      ? { ...base, type: 'completed', time: end, endedAt: end }
      : { ...base, type: 'failed', time: end, endedAt: end, error: { message: failure } },
  ];
}

/** One step of a day of the close: when it starts, in minutes after the day does, how long it runs, and how it failed, if it did. */
export interface CloseStep {
  readonly at: number;
  readonly minutes: number;
  readonly failure?: string | undefined;
}

/** A day of the close: the extract's minutes from the start, then the load, the report and the dashboard's publish; a step left out has not run. */
export interface CloseDay {
  readonly extract: number;
  readonly load: CloseStep;
  readonly report?: CloseStep;
  readonly publish?: CloseStep;
}

/** Generic events of the close's instance `key`, started at `start`, run as `day` says. */
export function closeDay(key: string, start: number, day: CloseDay): unknown[] {
  const step = (job: string, s: CloseStep | undefined) => (s ? closeRun(job, key, start + s.at * MIN, s.minutes, s.failure) : []);
  return [...closeRun('extract', key, start, day.extract), ...step('load', day.load), ...step('report', day.report), ...step('publish', day.publish)];
}

function iso(t: number): string {
  return new Date(t).toISOString();
}
