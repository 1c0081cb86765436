import type { z } from 'zod';
import type { Queryable } from '../db/pool.ts';
import { breakCycles, topological, type DroppedEdge, type EdgeOrigin, type ServiceEdge } from './lineage-dag.ts';
import { edgesInto, jobIdsByName, type LearnedEdgeRow } from './lineage-sql.ts';
import type { ServiceDefinition, ServiceJob } from './schema.ts';

export type { DroppedEdge, EdgeOrigin, ServiceEdge } from './lineage-dag.ts';

export interface ClosureOptions {
  /** How many edges away from a terminal job the closure reaches. @defaultValue 25 */
  maxDepth?: number;
  /** How many jobs a service may hold. @defaultValue 250 */
  maxJobs?: number;
  /** Leave out learned edges last seen before this: dependencies that have since gone. @defaultValue none */
  seenSince?: Date;
}

/** What resolving a service learned beyond its definition, and where each of its edges comes from. */
export interface LearnedLineage {
  /** The jobs reached from the terminal jobs, each with its distance (in edges) from the nearest one. */
  jobs: { job: string; depth: number }[];
  /** Every edge of the resolved service. */
  edges: ServiceEdge[];
  /** Edges left out because they would close a cycle. */
  dropped: DroppedEdge[];
  /** Terminal jobs Medic has no job for yet (never seen in an event). */
  unknownTerminals: string[];
  /** Present when the closure hit a bound: the jobs whose upstream it left out. */
  truncated?: { reason: 'depth' | 'size'; limit: number; jobs: string[] };
}

export interface ResolvedService {
  /** The service's jobs, each with the jobs it waits for, as the forecaster takes them. */
  jobs: z.infer<typeof ServiceJob>[];
  learned: LearnedLineage;
}

/** Where the closure reads learned edges from; `resolveServiceJobs` reads them from the store. */
export interface EdgeSource {
  /** The ids of the jobs Medic knows among `names` (`namespace/name`). */
  ids(names: string[]): Promise<Map<string, number>>;
  /** The learned edges into the jobs with these ids. */
  into(ids: number[]): Promise<LearnedEdgeRow[]>;
}

/**
 * A service's jobs and dependencies. A service that lists its jobs gets them back unchanged,
 * without a query; one with `terminal` gets those jobs and everything upstream of them, through
 * learned edges and its own `after`, within the bounds, as a DAG: an edge that would close a
 * cycle is dropped and reported.
 */
export async function resolveServiceJobs(db: Queryable, def: Pick<ServiceDefinition, 'jobs' | 'terminal'>, options: ClosureOptions = {}): Promise<ResolvedService> {
  return resolveWith({ ids: (names) => jobIdsByName(db, names), into: (ids) => edgesInto(db, ids, options.seenSince) }, def, options);
}

const definitionEdges = (def: Pick<ServiceDefinition, 'jobs'>): ServiceEdge[] =>
  def.jobs.flatMap((j) => j.after.map((up) => ({ upstream: up, downstream: j.job, origins: [{ kind: 'definition' } as const] })));

function originOf(row: LearnedEdgeRow): EdgeOrigin {
  const seen = { firstSeenAt: row.first_seen_at, lastSeenAt: row.last_seen_at };
  return row.via === 'dataset' && row.dataset !== null ? { kind: 'dataset', dataset: row.dataset, ...seen } : { kind: 'declared', ...seen };
}

/** The closure over any edge source; see `resolveServiceJobs`. */
export async function resolveWith(source: EdgeSource, def: Pick<ServiceDefinition, 'jobs' | 'terminal'>, options: ClosureOptions = {}): Promise<ResolvedService> {
  const declared = definitionEdges(def);
  if (def.terminal === undefined) {
    return { jobs: def.jobs, learned: { jobs: [], edges: declared, dropped: [], unknownTerminals: [] } };
  }
  const terminals = [...new Set(def.terminal)];
  // Every job the definition names belongs to the service; only those reached from a terminal
  // job are walked further upstream through what ingest learned.
  const named = [...new Set([...terminals, ...def.jobs.map((j) => j.job), ...declared.map((e) => e.upstream)])];
  const ids = await source.ids(named);
  const unknownTerminals = terminals.filter((t) => !ids.has(t));
  const walk = await walkUpstream(source, { terminals, named, declared, ids }, options.maxDepth ?? 25, options.maxJobs ?? 250);
  const { members, depth } = walk;
  const edges = mergeEdges(declared, walk.learned.filter((r) => members.has(r.upstream) && members.has(r.downstream)), depth);
  const { kept, dropped } = breakCycles(edges);
  const after = new Map<string, string[]>();
  for (const e of kept) after.set(e.downstream, [...(after.get(e.downstream) ?? []), e.upstream]);
  return {
    jobs: topological([...members], after).map((job) => ({ job, after: (after.get(job) ?? []).sort() })),
    learned: {
      jobs: [...depth].map(([job, d]) => ({ job, depth: d })).sort((a, b) => a.depth - b.depth || a.job.localeCompare(b.job)),
      edges: kept,
      dropped,
      unknownTerminals,
      ...(walk.truncated ? { truncated: walk.truncated } : {}),
    },
  };
}

interface Walk {
  members: Set<string>;
  /** Distance from the nearest terminal job, for the jobs reached from one. */
  depth: Map<string, number>;
  learned: LearnedEdgeRow[];
  truncated: LearnedLineage['truncated'];
}

/**
 * Breadth first from the terminal jobs through the definition's and the learned edges, one query
 * per level; a job is taken in once, so a cycle ends the walk rather than looping it.
 */
async function walkUpstream(
  source: EdgeSource, start: { terminals: string[]; named: string[]; declared: ServiceEdge[]; ids: Map<string, number> },
  maxDepth: number, maxJobs: number,
): Promise<Walk> {
  const { ids, declared } = start;
  const members = new Set(start.named);
  const depth = new Map<string, number>(start.terminals.map((t) => [t, 0]));
  const learned: LearnedEdgeRow[] = [];
  const beyond = new Set<string>();
  let bound: 'depth' | 'size' | undefined;
  for (let frontier = start.terminals, d = 0; frontier.length > 0; d++) {
    const known = frontier.flatMap((j) => ids.get(j) ?? []);
    const rows = known.length > 0 ? await source.into(known) : [];
    learned.push(...rows);
    const next: string[] = [];
    const candidates: { up: string; down: string; id?: number }[] = [
      ...declared.filter((e) => frontier.includes(e.downstream)).map((e) => ({ up: e.upstream, down: e.downstream })),
      ...rows.map((r) => ({ up: r.upstream, down: r.downstream, id: r.upstream_id })),
    ].sort((a, b) => a.up.localeCompare(b.up));
    for (const c of candidates) {
      if (depth.has(c.up)) continue;
      if (d + 1 > maxDepth || (!members.has(c.up) && members.size >= maxJobs)) {
        bound ??= d + 1 > maxDepth ? 'depth' : 'size';
        beyond.add(c.down);
        continue;
      }
      members.add(c.up);
      depth.set(c.up, d + 1);
      if (c.id !== undefined) ids.set(c.up, c.id);
      next.push(c.up);
    }
    frontier = next;
  }
  // Named jobs no terminal reaches still bring the learned edges between members.
  const unwalked = [...members].filter((j) => !depth.has(j)).flatMap((j) => ids.get(j) ?? []);
  if (unwalked.length > 0) learned.push(...await source.into(unwalked));
  const truncated = bound ? { reason: bound, limit: bound === 'depth' ? maxDepth : maxJobs, jobs: [...beyond].sort() } : undefined;
  return { members, depth, learned, truncated };
}

/**
 * One edge per pair of jobs with all its origins, ordered for cycle breaking: the definition's
 * first, then learned ones nearest the terminal jobs, declared before dataset-borne.
 */
function mergeEdges(declared: ServiceEdge[], learned: LearnedEdgeRow[], depth: Map<string, number>): ServiceEdge[] {
  const pairs = new Map<string, ServiceEdge & { rank: number }>();
  const add = (upstream: string, downstream: string, origin: EdgeOrigin, rank: number) => {
    const key = `${upstream}\u0000${downstream}`;
    const e = pairs.get(key) ?? { upstream, downstream, origins: [], rank };
    if (origin.kind !== 'definition' || !e.origins.some((o) => o.kind === 'definition')) e.origins.push(origin);
    e.rank = Math.min(e.rank, rank);
    pairs.set(key, e);
  };
  for (const e of declared) add(e.upstream, e.downstream, { kind: 'definition' }, -1);
  for (const r of learned) add(r.upstream, r.downstream, originOf(r), (depth.get(r.downstream) ?? Number.MAX_SAFE_INTEGER / 2) * 2 + (r.via === 'declared' ? 0 : 1));
  return [...pairs.values()]
    .sort((a, b) => a.rank - b.rank || a.downstream.localeCompare(b.downstream) || a.upstream.localeCompare(b.upstream))
    .map(({ rank: _rank, ...e }) => e);
}
