import type { Queryable } from '../db/pool.ts';
import { jobKeyOf } from './fold.ts';
import { linkDatasetEdges, upsertDatasetUses, upsertDeclaredEdges, type DatasetUseRow } from './lineage-sql.ts';
import type { NormalizedRunEvent } from './schema.ts';
import type { JobInsert } from './store-sql.ts';

/** The lineage of a batch of events, each fact once, with the span of event times it was seen in. */
export interface LineageBatch {
  /** Jobs named only as another job's neighbour: an edge needs both of its ends to exist. */
  jobs: JobInsert[];
  datasets: (Omit<DatasetUseRow, 'jobId'> & { jobKey: string })[];
  edges: { upstreamKey: string; downstreamKey: string; firstSeenAt: Date; lastSeenAt: Date }[];
}

interface Span {
  firstSeenAt: Date;
  lastSeenAt: Date;
}

/** Widens the span of the fact at `key` to `at`, or records the fact; true when it was new. */
function seen<T extends Span>(map: Map<string, T>, key: string, at: Date): boolean {
  const row = map.get(key);
  if (!row) return true;
  if (at < row.firstSeenAt) row.firstSeenAt = at;
  else if (at > row.lastSeenAt) row.lastSeenAt = at;
  return false;
}

/**
 * Gathers what the events say about lineage, deduplicated in memory so that the SQL sees each
 * fact once per batch; undefined when no event says anything, which is the common case.
 */
export function collectLineage(events: NormalizedRunEvent[]): LineageBatch | undefined {
  const jobs = new Map<string, JobInsert>();
  const datasets = new Map<string, LineageBatch['datasets'][number]>();
  const edges = new Map<string, LineageBatch['edges'][number]>();
  for (const e of events) {
    const l = e.lineage;
    if (!l) continue;
    const self = jobKeyOf(e);
    const at = e.eventTime;
    for (const [direction, list] of [['input', l.inputs], ['output', l.outputs]] as const) {
      for (const dataset of list) {
        const key = `${self}\u0000${direction}\u0000${dataset}`;
        if (seen(datasets, key, at)) datasets.set(key, { jobKey: self, dataset, direction, firstSeenAt: at, lastSeenAt: at });
      }
    }
    for (const [side, list] of [['upstream', l.upstream], ['downstream', l.downstream]] as const) {
      for (const job of list) {
        const other = jobKeyOf({ job });
        if (!jobs.has(other)) jobs.set(other, { namespace: job.namespace, name: job.name, source: e.source, orchestrator: e.orchestrator });
        const [up, down] = side === 'upstream' ? [other, self] : [self, other];
        const key = `${up}\u0000\u0000${down}`;
        if (seen(edges, key, at)) edges.set(key, { upstreamKey: up, downstreamKey: down, firstSeenAt: at, lastSeenAt: at });
      }
    }
  }
  if (jobs.size + datasets.size + edges.size === 0) return undefined;
  return { jobs: [...jobs.values()], datasets: [...datasets.values()], edges: [...edges.values()] };
}

/** Writes a batch's lineage inside the ingest transaction, given the ids of every job it names. */
export async function writeLineage(tx: Queryable, batch: LineageBatch, jobId: (jobKey: string) => number): Promise<void> {
  if (batch.datasets.length > 0) {
    const changed = await upsertDatasetUses(tx, batch.datasets.map(({ jobKey, ...d }) => ({ ...d, jobId: jobId(jobKey) })));
    // Two batches that commit at once may each miss the other's side of a dataset; the next event
    // of either job links them. Unchanged uses (a redelivery) have nothing new to link.
    if (changed.length > 0) await linkDatasetEdges(tx, changed);
  }
  const edges = batch.edges
    .map((x) => ({ upstreamJobId: jobId(x.upstreamKey), downstreamJobId: jobId(x.downstreamKey), firstSeenAt: x.firstSeenAt, lastSeenAt: x.lastSeenAt }))
    .filter((x) => x.upstreamJobId !== x.downstreamJobId);
  if (edges.length > 0) await upsertDeclaredEdges(tx, edges);
}
