import type { Queryable } from '../db/pool.ts';
import { deadlineFor } from '../sla/deadline.ts';
import { runsBefore } from '../sla/instance-sql.ts';
import { resolveServiceJobs, type ServiceEdge } from '../sla/lineage.ts';
import type { ServiceDefinition } from '../sla/schema.ts';
import { topologicalOrder } from './blast.ts';
import { inferEdges } from './infer.ts';
import { locateInstance } from './instance.ts';
import { readsOf, type DatasetLookup } from './reads.ts';
import { jobsByName, runDetails, runKeyTime, type RunDetailRow } from './sql.ts';
import type { Trace, TraceEdge, TraceJob, TraceRun } from './types.ts';
import { offsets, usualMakespan, usualTimes } from './usual.ts';

/** What a trace is of: a service, or the jobs upstream of one job (a failure outside any service). */
export interface TraceSubject {
  name: string;
  definition: Pick<ServiceDefinition, 'jobs' | 'terminal'>;
  deadline: ServiceDefinition['deadline'] | null;
}

export type TraceOutcome =
  | { kind: 'trace'; trace: Trace }
  | { kind: 'no-instance'; reason: string };

export interface TraceDeps {
  db: Queryable;
  datasets: DatasetLookup;
}

/** Jobs a trace may hold: a large service and what feeds it. */
const MAX_JOBS = 2_000;
/** Days of runs read to find the instance and its predecessors (`HISTORY_INSTANCES` of a daily service). */
const WINDOW_DAYS = 22;
/** How long after its key's first run an instance is looked for. */
const SPAN_MS = 36 * 3_600_000;

/**
 * One instance of a subject across every system: the jobs it names and, through lineage, those
 * that feed it; each one's run with its usual times; the datasets read and written; the edges,
 * with those no system reports inferred from timing. `key` is a run key of the instance, or
 * `latest`; `at` hides what happened after it (a past view).
 */
export async function buildTrace(deps: TraceDeps, subject: TraceSubject, key: string, at: Date): Promise<TraceOutcome> {
  const { db } = deps;
  const named = [...new Set([...(subject.definition.terminal ?? []), ...subject.definition.jobs.map((j) => j.job)])];
  // Every named job is a terminal of the walk, so jobs that feed any of them join the trace.
  const closure = await resolveServiceJobs(db, { jobs: subject.definition.jobs, terminal: named }, { maxJobs: MAX_JOBS });
  const jobs = closure.jobs;
  const names = jobs.map((j) => j.job);
  const anchor = key === 'latest' ? at : await runKeyTime(db, names, key);
  if (!anchor) return { kind: 'no-instance', reason: `no run of ${subject.name} has the key "${key}"` };
  if (anchor > at) return { kind: 'no-instance', reason: `the instance "${key}" had not begun by ${at.toISOString()}` };
  const until = new Date(Math.min(at.getTime(), anchor.getTime() + SPAN_MS) + 1);
  const [known, window] = await Promise.all([jobsByName(db, names), runsBefore(db, names, until, WINDOW_DAYS)]);
  const located = locateInstance(jobs, window, key, at);
  if (!located) return { kind: 'no-instance', reason: key === 'latest' ? `no run of ${subject.name} by ${at.toISOString()}` : `no instance holds the key "${key}"` };
  const { instance, history } = located;
  const details = await runDetails(db, [...instance.runs.values()].flatMap((r) => {
    const id = known.get(r.job)?.id;
    return id === undefined ? [] : [{ jobId: id, runKey: r.run_key }];
  }));
  const byJob = new Map<string, RunDetailRow>();
  const nameOf = new Map([...known].map(([n, j]) => [String(j.id), n]));
  for (const d of details) byJob.set(nameOf.get(String(d.job_id)) as string, d);

  const reported = [...edgesOf(closure.learned.edges), ...parentEdges(byJob, new Set(names))];
  const edges = mergeEdges([...reported, ...inferEdges(names, reported, history)]);
  const upstream = new Map<string, string[]>();
  for (const e of edges) upstream.set(e.downstream, [...(upstream.get(e.downstream) ?? []), e.upstream]);
  const usual = usualTimes(names, upstream, history);
  const start = instance.start;
  const runs = new Map([...byJob].map(([job, d]) => [job, asOf(d, at)] as const).filter((x): x is [string, TraceRun] => x[1] !== null));
  const io = await readsOf(deps.datasets, { db, known, runs, start: new Date(start) });
  const namedSet = new Set(named);
  const traceJobs: TraceJob[] = names.map((job) => {
    const run = runs.get(job) ?? null;
    const o = run ? offsets({ started_at: date(run.startedAt), ended_at: date(run.endedAt) }, start) : { start: null, end: null };
    return {
      job, orchestrator: known.get(job)?.orchestrator ?? 'unknown', role: namedSet.has(job) || subject.definition.terminal ? 'member' : 'feeder',
      run, usual: usual.get(job) ?? null, startMin: round(o.start), endMin: round(o.end),
      reads: io.reads.get(job) ?? [], writes: io.writes.get(job) ?? [],
    };
  });
  const trace: Trace = {
    service: subject.name, key: instance.key, start: new Date(start).toISOString(),
      deadline: subject.deadline ? deadlineFor(subject.deadline, new Date(start)).toISOString() : null,
      at: at.toISOString(), live: isLive(traceJobs, start, at), usualEnd: usualMakespan(history),
      jobs: traceJobs, edges,
    ...(closure.learned.truncated ? { truncated: { reason: closure.learned.truncated.reason, limit: closure.learned.truncated.limit } } : {}),
  };
  // Upstream first, with the inferred links, so that a reader meets jobs in the order they ran.
  return { kind: 'trace', trace: { ...trace, jobs: topologicalOrder(trace) } };
}

/** How long after its start an instance with jobs yet to run is still taken to be going. */
const LIVE_MS = 86_400_000;

/** Whether the instance is still going: a run is under way, or a job has yet to run on the day it began. */
function isLive(jobs: TraceJob[], start: number, at: Date): boolean {
  if (jobs.some((j) => j.run && j.run.endedAt === null)) return true;
  return jobs.some((j) => !j.run) && at.getTime() - start < LIVE_MS;
}

const date = (s: string | null) => (s === null ? null : new Date(s));
const round = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);

/** The service's edges as a trace shows them: each pair once, with every way it is known. */
function edgesOf(edges: ServiceEdge[]): TraceEdge[] {
  return edges.map((e) => ({
    upstream: e.upstream, downstream: e.downstream,
    kinds: [...new Set(e.origins.map((o) => o.kind))],
    datasets: e.origins.flatMap((o) => (o.kind === 'dataset' ? [o.dataset] : [])),
  }));
}

/** A run started by another run of the trace (OpenLineage's parent facet) waits for it. */
function parentEdges(runs: Map<string, RunDetailRow>, names: Set<string>): TraceEdge[] {
  return [...runs].flatMap(([job, r]) => (r.parent && r.parent !== job && names.has(r.parent)
    ? [{ upstream: r.parent, downstream: job, kinds: ['parent' as const], datasets: [] }] : []));
}

function mergeEdges(edges: TraceEdge[]): TraceEdge[] {
  const byPair = new Map<string, TraceEdge>();
  for (const e of edges) {
    const k = `${e.upstream}\u0000${e.downstream}`;
    const known = byPair.get(k);
    if (!known) { byPair.set(k, { ...e, kinds: [...e.kinds], datasets: [...e.datasets] }); continue; }
    known.kinds = [...new Set([...known.kinds, ...e.kinds])];
    known.datasets = [...new Set([...known.datasets, ...e.datasets])];
  }
  return [...byPair.values()];
}

/** The run as it stood at `at`: not yet started is no run; not yet ended is still running. */
function asOf(d: RunDetailRow, at: Date): TraceRun | null {
  const begun = d.started_at ?? d.scheduled_at;
  if (begun && begun > at) return null;
  const ended = d.ended_at !== null && d.ended_at <= at;
  return {
    runKey: d.run_key, externalId: d.external_id, state: ended || d.ended_at === null ? d.state : 'running',
    attempts: d.attempts, failedAttempts: ended ? d.failed_attempts : Math.min(d.failed_attempts, Math.max(0, d.attempts - 1)),
    scheduledAt: d.scheduled_at?.toISOString() ?? null, startedAt: d.started_at?.toISOString() ?? null,
    endedAt: ended ? (d.ended_at as Date).toISOString() : null,
    durationMs: ended && d.started_at ? (d.ended_at as Date).getTime() - d.started_at.getTime() : null,
    error: d.error_message, parent: d.parent && d.parent_run_key ? { job: d.parent, runKey: d.parent_run_key } : null,
  };
}
