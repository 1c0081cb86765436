import type { Queryable } from '../db/pool.ts';
import { splitJobs } from '../runs/job-name.ts';

/** Whether the store has been migrated as far as the `jobs` table. */
export async function hasJobsTable(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(`select to_regclass('jobs') is not null as ok`);
  return rows[0]?.ok === true;
}

/** Of `jobs` (as `namespace/name`), those some source has reported. */
export async function reportedJobs(db: Queryable, jobs: readonly string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ job: string }>(
    `select j.namespace || '/' || j.name as job
       from unnest($1::text[], $2::text[]) as q(namespace, name)
       join jobs j on j.namespace = q.namespace and j.name = q.name`,
    splitJobs(jobs.filter((j) => j.includes('/'))),
  );
  return new Set(rows.map((r) => r.job));
}
