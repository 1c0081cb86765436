import type { Queryable } from '../db/pool.ts';
import type { PairRun } from './buffers.ts';

/**
 * Instances of an upstream → downstream pair over the `days` before `at`: runs paired by their
 * run key (one DAG run, one submission) or else by calendar day.
 */
export async function pairRuns(db: Queryable, upstream: string, downstream: string, at: Date, days = 60): Promise<PairRun[]> {
  const r = await db.query<{ up: Date; down: Date }>(
    `with u as (
       select r.run_key, r.ended_at, date_trunc('day', coalesce(r.scheduled_at, r.started_at)) as day
       from runs r join jobs j on j.id = r.job_id
       where j.namespace || '/' || j.name = $1 and r.state = 'completed' and r.ended_at is not null
         and r.ended_at between $3::timestamptz - make_interval(days => $4) and $3),
     d as (
       select r.run_key, r.started_at, date_trunc('day', coalesce(r.scheduled_at, r.started_at)) as day
       from runs r join jobs j on j.id = r.job_id
       where j.namespace || '/' || j.name = $2 and r.started_at is not null
         and r.started_at between $3::timestamptz - make_interval(days => $4) and $3)
     select u.ended_at as up, d.started_at as down from u join d on d.run_key = u.run_key
     union all
     select u.ended_at, d.started_at from u join d on d.day = u.day
     where not exists (select 1 from d d2 where d2.run_key = u.run_key)`,
    [upstream, downstream, at.toISOString(), days],
  );
  return r.rows.map((x) => ({ upstreamEnd: x.up.getTime(), downstreamStart: x.down.getTime() }));
}
