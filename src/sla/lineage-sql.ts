import type { Queryable } from '../db/pool.ts';
import { splitJobs } from '../runs/job-name.ts';

/** An edge ingest learned, with both jobs named `namespace/name` as services name them. */
export interface LearnedEdgeRow {
  upstream: string;
  upstream_id: number;
  downstream: string;
  downstream_id: number;
  via: 'declared' | 'dataset';
  dataset: string | null;
  first_seen_at: Date;
  last_seen_at: Date;
}

/**
 * The ids of the jobs Medic knows among `names` (`namespace/name`). A service's job names hold no
 * `/` in the namespace, so the first `/` splits them and the lookup uses the jobs' unique key.
 */
export async function jobIdsByName(db: Queryable, names: string[]): Promise<Map<string, number>> {
  const r = await db.query<{ id: number; job: string }>(
    `select j.id, j.namespace || '/' || j.name as job
     from jobs j join unnest($1::text[], $2::text[]) as u(namespace, name) on j.namespace = u.namespace and j.name = u.name`,
    splitJobs(names),
  );
  return new Map(r.rows.map((row) => [row.job, row.id]));
}

/** The learned edges into the given jobs; with `since`, only those seen at or after it. */
export async function edgesInto(db: Queryable, jobIds: number[], since: Date | undefined): Promise<LearnedEdgeRow[]> {
  if (jobIds.length === 0) return [];
  const r = await db.query<LearnedEdgeRow>(
    `select u.namespace || '/' || u.name as upstream, e.upstream_job_id as upstream_id,
            d.namespace || '/' || d.name as downstream, e.downstream_job_id as downstream_id,
            e.via, e.dataset, e.first_seen_at, e.last_seen_at
     from job_edges e join jobs u on u.id = e.upstream_job_id join jobs d on d.id = e.downstream_job_id
     where e.downstream_job_id = any($1::bigint[]) and ($2::timestamptz is null or e.last_seen_at >= $2)
     order by downstream, upstream, e.via, e.dataset`,
    [jobIds, since?.toISOString() ?? null],
  );
  return r.rows;
}
