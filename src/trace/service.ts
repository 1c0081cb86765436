import type { Queryable } from '../db/pool.ts';
import { deadlineFor } from '../sla/deadline.ts';
import { downstreamChain } from '../sla/downstream.ts';
import { resolveServiceJobs } from '../sla/lineage.ts';
import type { ServiceDefinition } from '../sla/schema.ts';
import { listServices } from '../sla/sql.ts';
import { buildTrace, type TraceDeps, type TraceSubject } from './build.ts';
import { originOf } from './origin.ts';
import { incidentFocus } from './sql.ts';
import type { BlastRadius, OriginReport, Trace } from './types.ts';

export type TraceResult =
  | { kind: 'trace'; trace: Trace }
  | { kind: 'not-found'; what: string };

export type OriginResult =
  | { kind: 'origin'; report: OriginReport; trace: Trace }
  | { kind: 'not-found'; what: string };

const subjectOf = (def: ServiceDefinition): TraceSubject => ({ name: def.name, definition: def, deadline: def.deadline });

/** The trace of one instance of a service (`key` a run key of it, or `latest`) as of `at`. */
export async function traceService(deps: TraceDeps, name: string, key: string, at: Date): Promise<TraceResult> {
  const all = await definitions(deps.db);
  const def = all.get(name);
  if (!def) return { kind: 'not-found', what: `service "${name}" does not exist` };
  const out = await buildTrace(deps, subjectOf(def), key, at);
  return out.kind === 'trace' ? out : { kind: 'not-found', what: `service "${name}": ${out.reason}` };
}

/** Where the problems of one instance of a service began, with what lies downstream of it. */
export async function originOfService(deps: TraceDeps, name: string, key: string, at: Date): Promise<OriginResult> {
  const all = await definitions(deps.db);
  const def = all.get(name);
  if (!def) return { kind: 'not-found', what: `service "${name}" does not exist` };
  const out = await buildTrace(deps, subjectOf(def), key, at);
  if (out.kind !== 'trace') return { kind: 'not-found', what: `service "${name}": ${out.reason}` };
  const report = originOf(out.trace);
  return { kind: 'origin', report: withServices(report, out.trace, all), trace: out.trace };
}

/**
 * Where an incident's failure began: traced in the service that holds its job (the first by name
 * when several do), else through the lineage upstream of the job alone.
 */
export async function originOfIncident(deps: TraceDeps, id: number, at: Date): Promise<OriginResult> {
  const focus = await incidentFocus(deps.db, id);
  if (!focus) return { kind: 'not-found', what: `incident ${id} does not exist` };
  if (!focus.runKey) return { kind: 'not-found', what: `incident ${id} has no run to trace` };
  const all = await definitions(deps.db);
  const holder = await serviceHolding(deps.db, [...all.values()], focus.job);
  const subject: TraceSubject = holder ? subjectOf(holder) : { name: focus.job, definition: { jobs: [], terminal: [focus.job] }, deadline: null };
  const out = await buildTrace(deps, subject, focus.runKey, at);
  if (out.kind !== 'trace') return { kind: 'not-found', what: `incident ${id}: ${out.reason}` };
  return { kind: 'origin', report: withServices(originOf(out.trace, { focus: focus.job }), out.trace, all), trace: out.trace };
}

async function definitions(db: Queryable): Promise<Map<string, ServiceDefinition>> {
  return new Map((await listServices(db)).map((s) => [s.name, s.definition]));
}

/** The first service (by name) that names the job, or reaches it through lineage. */
async function serviceHolding(db: Queryable, defs: ServiceDefinition[], job: string): Promise<ServiceDefinition | undefined> {
  const sorted = [...defs].sort((a, b) => a.name.localeCompare(b.name));
  const named = sorted.find((d) => d.jobs.some((j) => j.job === job || j.after.includes(job)) || d.terminal?.includes(job));
  if (named) return named;
  for (const d of sorted.filter((x) => x.terminal)) {
    if ((await resolveServiceJobs(db, d)).jobs.some((j) => j.job === job)) return d;
  }
  return undefined;
}

/**
 * The blast radius's services: the traced one, every service downstream of it by definition,
 * and every other service that names a job to rerun — each with its deadline for an instance
 * that began with this one, and the time left.
 */
function withServices(report: OriginReport, trace: Trace, all: Map<string, ServiceDefinition>): OriginReport {
  if (!report.blast) return report;
  const start = new Date(trace.start);
  const at = Date.parse(trace.at);
  const rerun = new Set(report.blast.reruns.map((r) => r.job));
  const names = new Set([
    ...(all.has(trace.service) ? downstreamChain(trace.service, all).map((d) => d.name) : []),
    ...[...all.values()].filter((d) => d.name !== trace.service && d.jobs.some((j) => rerun.has(j.job))).map((d) => d.name),
  ]);
  const services = [...report.blast.services, ...[...names].map((name): BlastRadius['services'][number] => {
    const def = all.get(name);
    if (!def) return { service: name, deadline: null, minutesLeft: null };
    const deadline = deadlineFor(def.deadline, start);
    return { service: name, deadline: deadline.toISOString(), minutesLeft: Math.round((deadline.getTime() - at) / 60_000) };
  })];
  return { ...report, blast: { ...report.blast, services } };
}
