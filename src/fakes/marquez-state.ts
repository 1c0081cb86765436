/**
 * What a fake Marquez holds: the lineage events it was sent, and the namespaces, jobs and runs
 * Marquez derives from them, in the shapes and orders its API lists them (events by time,
 * namespaces by name, jobs by last update, runs by start, newest first).
 */
import { createHash } from 'node:crypto';

const RUN_STATES: Record<string, string> = { START: 'RUNNING', RUNNING: 'RUNNING', COMPLETE: 'COMPLETED', FAIL: 'FAILED', ABORT: 'ABORTED' };
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'ABORTED']);

type Json = Record<string, unknown>;
interface Stored { event: Json; time: number; seq: number }

export interface EventQuery { after: number; before: number; asc: boolean; limit: number; offset: number }

export interface FakeMarquezState {
  /** Stores RunEvents as `POST /api/v1/lineage` does; throws for one Marquez would refuse. */
  add(...events: unknown[]): void;
  events(q: EventQuery): { events: Json[]; totalCount: number };
  namespaces(): Json[];
  /** Undefined for a namespace Marquez does not know. */
  jobs(namespace: string): Json[] | undefined;
  runs(namespace: string, job: string): Json[] | undefined;
}

const obj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const iso = (t: number): string => new Date(t).toISOString();
/** A stable UUID-shaped version for a name, as Marquez versions jobs and datasets. */
const version = (text: string): string => createHash('sha1').update(text).digest('hex').slice(0, 32).replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');

interface RunFold { id: string; ns: string; job: string; created: number; updated: number; state: string; started?: number; ended?: number; facets: Json; inputs: Map<string, Json>; outputs: Map<string, Json> }

function datasetVersions(list: unknown, facetsKey: string, into: Map<string, Json>): void {
  if (!Array.isArray(list)) return;
  for (const d of list.map(obj)) {
    if (typeof d?.namespace !== 'string' || typeof d.name !== 'string') continue;
    const id = { namespace: d.namespace, name: d.name, version: version(`${d.namespace}/${d.name}`) };
    into.set(`${d.namespace}/${d.name}`, { datasetVersionId: id, facets: obj(d[facetsKey]) ?? {} });
  }
}

function fold(stored: Stored[]): Map<string, RunFold> {
  const runs = new Map<string, RunFold>();
  for (const { event: e, time } of stored) {
    const run = obj(e.run);
    const job = obj(e.job);
    const id = String(run?.runId);
    const r: RunFold = runs.get(id) ?? { id, ns: String(job?.namespace), job: String(job?.name), created: time, updated: time, state: 'NEW', facets: {}, inputs: new Map(), outputs: new Map() };
    runs.set(id, r);
    r.updated = Math.max(r.updated, time);
    const state = RUN_STATES[String(e.eventType)];
    if (state) r.state = state;
    if (e.eventType === 'START') r.started = time;
    if (state && TERMINAL.has(state)) r.ended = time;
    Object.assign(r.facets, obj(run?.facets));
    datasetVersions(e.inputs, 'inputFacets', r.inputs);
    datasetVersions(e.outputs, 'outputFacets', r.outputs);
  }
  return runs;
}

function runView(r: RunFold): Json {
  const nominal = obj(r.facets.nominalTime);
  return {
    id: r.id, createdAt: iso(r.created), updatedAt: iso(r.updated),
    nominalStartTime: nominal?.nominalStartTime ?? null, nominalEndTime: nominal?.nominalEndTime ?? null,
    state: r.state, startedAt: r.started === undefined ? null : iso(r.started), endedAt: r.ended === undefined ? null : iso(r.ended),
    durationMs: r.started !== undefined && r.ended !== undefined ? r.ended - r.started : null,
    args: {}, jobVersion: { namespace: r.ns, name: r.job, version: version(`${r.ns}/${r.job}`) },
    inputDatasetVersions: [...r.inputs.values()], outputDatasetVersions: [...r.outputs.values()], context: {}, facets: r.facets,
  };
}

/** Refuses what Marquez's `POST /api/v1/lineage` refuses: no time, run id or job. */
function readEvent(e: unknown): Json {
  const event = obj(e);
  const time = typeof event?.eventTime === 'string' ? Date.parse(event.eventTime) : Number.NaN;
  const job = obj(event?.job);
  if (!event || Number.isNaN(time) || typeof obj(event.run)?.runId !== 'string' || typeof job?.namespace !== 'string' || typeof job.name !== 'string') {
    throw new Error('a RunEvent needs an eventTime, a run.runId and a job namespace and name');
  }
  return structuredClone(event);
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** Marquez lists runs by `started_at DESC NULLS LAST`. */
const byStartDesc = (a: RunFold, b: RunFold): number =>
  (a.started === undefined ? (b.started === undefined ? 0 : 1) : b.started === undefined ? -1 : b.started - a.started);
const datasetIds = (rs: RunFold[], side: 'inputs' | 'outputs'): unknown[] =>
  [...new Map(rs.flatMap((r) => [...r[side]])).values()].map((d) => d.datasetVersionId);

function namespaceViews(stored: Stored[]): Json[] {
  const names = new Map<string, number>();
  for (const { event, time } of stored) {
    const datasets = [...(Array.isArray(event.inputs) ? event.inputs : []), ...(Array.isArray(event.outputs) ? event.outputs : [])];
    for (const ns of [obj(event.job)?.namespace, ...datasets.map((d) => obj(d)?.namespace)]) {
      if (typeof ns === 'string') names.set(ns, Math.min(names.get(ns) ?? time, time));
    }
  }
  return [...names].sort(([a], [b]) => byName(a, b))
    .map(([name, t]) => ({ name, createdAt: iso(t), updatedAt: iso(t), ownerName: 'anonymous', description: null, isHidden: false }));
}

function jobView(namespace: string, name: string, rs: RunFold[]): Json & { updatedAt: string } {
  const latest = rs.reduce((a, b) => (b.updated > a.updated ? b : a));
  return {
    id: { namespace, name }, type: 'BATCH', name, simpleName: name, namespace,
    createdAt: iso(Math.min(...rs.map((r) => r.created))), updatedAt: iso(latest.updated),
    inputs: datasetIds(rs, 'inputs'), outputs: datasetIds(rs, 'outputs'),
    location: null, description: null, facets: {}, latestRun: runView(latest),
  };
}

export function createFakeMarquezState(): FakeMarquezState {
  const stored: Stored[] = [];
  let seq = 0;
  const byTime = () => [...stored].sort((a, b) => a.time - b.time || a.seq - b.seq);
  const runsOf = (namespace: string) => [...fold(byTime()).values()].filter((r) => r.ns === namespace);

  return {
    add(...events) {
      for (const e of events) {
        const event = readEvent(e);
        stored.push({ event, time: Date.parse(String(event.eventTime)), seq: (seq += 1) });
      }
    },
    events({ after, before, asc, limit, offset }) {
      const window = byTime().filter((s) => s.time >= after && s.time < before);
      const ordered = asc ? window : window.reverse();
      return { events: ordered.slice(offset, offset + limit).map((s) => structuredClone(s.event)), totalCount: window.length };
    },
    namespaces: () => namespaceViews(stored),
    jobs(namespace) {
      if (!namespaceViews(stored).some((n) => n.name === namespace)) return undefined;
      const jobs = new Map<string, RunFold[]>();
      for (const r of runsOf(namespace)) jobs.set(r.job, [...(jobs.get(r.job) ?? []), r]);
      return [...jobs].map(([name, rs]) => jobView(namespace, name, rs)).sort((a, b) => byName(b.updatedAt, a.updatedAt));
    },
    runs(namespace, job) {
      const runs = runsOf(namespace).filter((r) => r.job === job);
      return runs.length === 0 ? undefined : runs.sort(byStartDesc).map(runView);
    },
  };
}
