import type { Queryable } from '../db/pool.ts';

/**
 * Lineage as ingest writes it and the API reads it. A fact already stored is skipped before the
 * insert, so that a redelivered event writes nothing; and a last sighting moves only once it is
 * an hour late, so that the steady stream of a pipeline's events neither rewrites the same rows
 * nor holds their locks against concurrent batches.
 */

export interface DatasetUseRow {
  jobId: number;
  dataset: string;
  direction: 'input' | 'output';
  firstSeenAt: Date;
  lastSeenAt: Date;
}

const EDGE_KEY = '(downstream_job_id, upstream_job_id, via, (coalesce(dataset, \'\')))';
// Stored `k` already knows what `x` says: seen since at least as early, and until recently enough.
const KNOWS = (k: string, x: string) => `${k}.first_seen_at <= ${x}.first_seen_at and ${k}.last_seen_at >= ${x}.last_seen_at - interval '1 hour'`;
const WIDEN = (t: string) => `do update set first_seen_at = least(${t}.first_seen_at, excluded.first_seen_at),
       last_seen_at = greatest(${t}.last_seen_at, excluded.last_seen_at)
     where not (${KNOWS(t, 'excluded')})`;

/** Records which jobs read and wrote which datasets; returns the rows that are new or moved. */
export async function upsertDatasetUses(db: Queryable, rows: DatasetUseRow[]): Promise<{ job_id: number; dataset: string; direction: string }[]> {
  const r = await db.query<{ job_id: number; dataset: string; direction: string }>(
    `insert into job_datasets as d (dataset, direction, job_id, first_seen_at, last_seen_at)
     select * from unnest($1::text[], $2::text[], $3::bigint[], $4::timestamptz[], $5::timestamptz[])
       as x(dataset, direction, job_id, first_seen_at, last_seen_at)
     where not exists (select 1 from job_datasets k
                       where k.dataset = x.dataset and k.direction = x.direction and k.job_id = x.job_id and ${KNOWS('k', 'x')})
     order by 1, 2, 3
     on conflict (dataset, direction, job_id) ${WIDEN('d')}
     returning job_id, dataset, direction`,
    [rows.map((x) => x.dataset), rows.map((x) => x.direction), rows.map((x) => x.jobId),
      rows.map((x) => x.firstSeenAt.toISOString()), rows.map((x) => x.lastSeenAt.toISOString())],
  );
  return r.rows;
}

/**
 * Links the writers of each dataset to its readers, for the dataset uses given (those that
 * changed): a writer meets every stored reader, a reader every stored writer. An edge is seen
 * from when both of its ends were seen to the last time both were.
 */
export async function linkDatasetEdges(db: Queryable, uses: { job_id: number; dataset: string; direction: string }[]): Promise<void> {
  await db.query(
    `insert into job_edges as e (upstream_job_id, downstream_job_id, via, dataset, first_seen_at, last_seen_at)
     select * from (
       select distinct o.job_id as upstream_job_id, i.job_id as downstream_job_id, 'dataset' as via, o.dataset,
              greatest(o.first_seen_at, i.first_seen_at) as first_seen_at, least(o.last_seen_at, i.last_seen_at) as last_seen_at
       from unnest($1::bigint[], $2::text[], $3::text[]) as b(job_id, dataset, direction)
       join job_datasets o on o.dataset = b.dataset and o.direction = 'output' and (b.direction = 'input' or o.job_id = b.job_id)
       join job_datasets i on i.dataset = b.dataset and i.direction = 'input' and (b.direction = 'output' or i.job_id = b.job_id)
       where o.job_id <> i.job_id) x
     where not exists (select 1 from job_edges k where k.downstream_job_id = x.downstream_job_id
                       and k.upstream_job_id = x.upstream_job_id and k.via = 'dataset' and k.dataset = x.dataset and ${KNOWS('k', 'x')})
     order by 2, 1, 4
     on conflict ${EDGE_KEY} ${WIDEN('e')}`,
    [uses.map((u) => u.job_id), uses.map((u) => u.dataset), uses.map((u) => u.direction)],
  );
}

export interface DeclaredEdgeRow {
  upstreamJobId: number;
  downstreamJobId: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

/** Records edges an orchestrator declared (a task's upstream tasks, a workflow step's predecessors). */
export async function upsertDeclaredEdges(db: Queryable, rows: DeclaredEdgeRow[]): Promise<void> {
  await db.query(
    `insert into job_edges as e (upstream_job_id, downstream_job_id, via, dataset, first_seen_at, last_seen_at)
     select u, d, 'declared', null, first_seen_at, last_seen_at
     from unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::timestamptz[]) as x(u, d, first_seen_at, last_seen_at)
     where not exists (select 1 from job_edges k where k.downstream_job_id = x.d and k.upstream_job_id = x.u
                       and k.via = 'declared' and k.dataset is null and ${KNOWS('k', 'x')})
     order by d, u
     on conflict ${EDGE_KEY} ${WIDEN('e')}`,
    [rows.map((x) => x.upstreamJobId), rows.map((x) => x.downstreamJobId),
      rows.map((x) => x.firstSeenAt.toISOString()), rows.map((x) => x.lastSeenAt.toISOString())],
  );
}

/** One edge of a job as the API shows it: the job at its other end, and how it was learned. */
export interface EdgeView {
  job: { id: number; namespace: string; name: string };
  via: 'declared' | 'dataset';
  dataset: string | null;
  first_seen_at: Date;
  last_seen_at: Date;
}

/** The edges into (`upstream`) or out of (`downstream`) a job. */
export async function jobEdges(db: Queryable, jobId: number, side: 'upstream' | 'downstream'): Promise<EdgeView[]> {
  const [mine, other] = side === 'upstream' ? ['downstream_job_id', 'upstream_job_id'] : ['upstream_job_id', 'downstream_job_id'];
  const r = await db.query<EdgeView>(
    `select json_build_object('id', j.id, 'namespace', j.namespace, 'name', j.name) as job,
            e.via, e.dataset, e.first_seen_at, e.last_seen_at
     from job_edges e join jobs j on j.id = e.${other}
     where e.${mine} = $1 order by j.namespace, j.name, e.via, e.dataset`,
    [jobId],
  );
  return r.rows;
}

export interface DatasetUseView {
  dataset: string;
  direction: 'input' | 'output';
  first_seen_at: Date;
  last_seen_at: Date;
}

export async function jobDatasets(db: Queryable, jobId: number): Promise<DatasetUseView[]> {
  const r = await db.query<DatasetUseView>(
    `select dataset, direction, first_seen_at, last_seen_at from job_datasets where job_id = $1 order by direction, dataset`,
    [jobId],
  );
  return r.rows;
}
