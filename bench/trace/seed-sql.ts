/**
 * Set-based seeding of the traced service's history: its jobs and learned lineage, one run of
 * every job a day for `DAYS` days (keys `scheduled__2026-11-DD`, each job starting in its layer's
 * ten minutes, after everything it waits for has ended), about 1 % of runs retried, one run that
 * fails for good on the last day with the jobs downstream of it never starting, and the size of
 * each dataset each run wrote. Per-row randomness is `bench_u` (bench/decide/seed-sql.ts).
 */
import type { Queryable } from '../../src/db/pool.ts';
import { LAYER_MINUTES, type Dag } from './dag.ts';

/** The first instance's day; the service runs at 02:00 UTC. */
export const DAY0 = new Date('2026-11-01T00:00:00Z');
export const DAYS = 30;
/** Seconds between a failed attempt and its retry. */
const RETRY_GAP_S = 30;

export const runKeyOf = (day: number) => `scheduled__${new Date(DAY0.getTime() + day * 86_400_000).toISOString().slice(0, 10)}`;

/** The service's jobs, each with its place in the DAG and its part in the last day's failure. */
export async function insertServiceJobs(db: Queryable, dag: Dag, failure: { failed: string; skipped: string[] }): Promise<void> {
  const col = <K extends keyof Dag['jobs'][number]>(k: K) => dag.jobs.map((j) => j[k]);
  await db.query(`insert into sources (name, orchestrator) select distinct s, o from unnest($1::text[], $2::text[]) as x(s, o) on conflict do nothing`,
    [col('source'), col('orchestrator')]);
  await db.query(`create table bench_trace_jobs (job_id bigint primary key, layer int not null, task int not null, output text not null,
    fails_last_day boolean not null, skipped_last_day boolean not null)`);
  await db.query(
    `with x as (select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::text[])
                as x(namespace, name, source, orchestrator, layer, task, output)),
          j as (insert into jobs (namespace, name, source, orchestrator, first_seen_at)
                select namespace, name, source, orchestrator, $8::timestamptz - interval '1 year' from x order by layer, task returning id, namespace, name)
     insert into bench_trace_jobs
     select j.id, x.layer, x.task, x.output, x.namespace || '/' || x.name = $9, x.namespace || '/' || x.name = any($10::text[])
     from j join x using (namespace, name)`,
    [col('namespace'), col('name'), col('source'), col('orchestrator'), col('layer'), col('task'), col('output'), DAY0.toISOString(), failure.failed, failure.skipped],
  );
}

/** What ingest would have learned: each job's output, the inputs lineage reported, and the edges. */
export async function insertServiceLineage(db: Queryable, dag: Dag): Promise<void> {
  const since = new Date(DAY0.getTime() - 60 * 86_400_000).toISOString();
  const seen = new Date(DAY0.getTime() + DAYS * 86_400_000).toISOString();
  const split = (job: string) => [job.slice(0, job.indexOf('/')), job.slice(job.indexOf('/') + 1)] as const;
  await db.query(
    `insert into job_datasets (dataset, direction, job_id, first_seen_at, last_seen_at)
     select output, 'output', job_id, $1, $2 from bench_trace_jobs`, [since, seen]);
  await db.query(
    `with e as (select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[])
                as e(up_ns, up_name, down_ns, down_name, declared, dataset)),
          ids as (select u.id as up_id, d.id as down_id, e.declared, e.dataset from e
                  join jobs u on u.namespace = e.up_ns and u.name = e.up_name join jobs d on d.namespace = e.down_ns and d.name = e.down_name),
          reads as (insert into job_datasets (dataset, direction, job_id, first_seen_at, last_seen_at)
                    select distinct dataset, 'input', down_id, $7::timestamptz, $8::timestamptz from ids where dataset is not null)
     insert into job_edges (upstream_job_id, downstream_job_id, via, dataset, first_seen_at, last_seen_at)
     select up_id, down_id, 'declared', null, $7, $8 from ids where declared
     union all select up_id, down_id, 'dataset', dataset, $7, $8 from ids where dataset is not null`,
    [
      dag.edges.map((e) => split(e.upstream)[0]), dag.edges.map((e) => split(e.upstream)[1]),
      dag.edges.map((e) => split(e.downstream)[0]), dag.edges.map((e) => split(e.downstream)[1]),
      dag.edges.map((e) => e.declared), dag.edges.map((e) => e.dataset), since, seen,
    ],
  );
}

/** One run per job and day, in time order; a run waits out its layer's slot, so it starts after its inputs end. */
export async function insertServiceRuns(db: Queryable): Promise<void> {
  await db.query(
    `with base as (
       select m.job_id, m.layer, d.n as day, m.job_id * 100 + d.n as k, d.n = $2 - 1 and m.fails_last_day as fails,
              $1::timestamptz + make_interval(days => d.n, hours => 2) as slot
       from bench_trace_jobs m cross join generate_series(0, $2 - 1) d(n)
       where not (d.n = $2 - 1 and m.skipped_last_day)
     ), drawn as (
       select b.*, case when fails then 3 else 1 + (bench_u(k, 41) < 0.012)::int + (bench_u(k, 41) < 0.003)::int end as attempts,
              60 + bench_u(k, 42) * 90 as attempt_s,
              slot + make_interval(mins => layer * ${LAYER_MINUTES}, secs => bench_u(k, 43) * 60) as started
       from base b
     ), timed as (
       select d.*, started + make_interval(secs => attempts * attempt_s + (attempts - 1) * ${RETRY_GAP_S}) as ended from drawn d
     )
     insert into runs (job_id, run_key, external_id, attempts, state, state_at, state_rank, scheduled_at, queued_at, started_at,
                       ended_at, event_count, created_at, updated_at)
     select job_id, 'scheduled__' || to_char(slot at time zone 'UTC', 'YYYY-MM-DD'), 'gc-' || k, attempts,
            case when fails then 'failed' else 'completed' end, ended, 3, slot, started, started, ended, 2 * attempts, ended, ended
     from timed order by started, job_id`,
    [DAY0.toISOString(), DAYS],
  );
}

/**
 * Every run's attempts (those of `where`), each an equal share of the run's time with `gapS`
 * seconds between them; every attempt but a run's last failed, and the last too when the run did.
 */
export async function insertAttempts(db: Queryable, where: string, gapS: number, message: string): Promise<void> {
  await db.query(
    `insert into run_attempts (run_id, attempt, external_id, state, state_at, state_rank, queued_at, started_at, ended_at, error_message)
     select r.id, a.k, r.external_id || '-' || a.k, f.state, t.s + make_interval(secs => len.d), 3, t.s, t.s,
            t.s + make_interval(secs => len.d), case when f.state = 'failed' then $1::text end
     from runs r
     cross join lateral (select (extract(epoch from r.ended_at - r.started_at) - (r.attempts - 1) * ${gapS}) / r.attempts as d) len
     cross join lateral generate_series(1, r.attempts) a(k)
     cross join lateral (select r.started_at + make_interval(secs => (a.k - 1) * (len.d + ${gapS})) as s) t
     cross join lateral (select case when a.k < r.attempts or r.state = 'failed' then 'failed' else 'completed' end as state) f
     where ${where}`,
    [message],
  );
}

/** The message of a failed run's last attempt, on the run. */
export async function copyErrors(db: Queryable): Promise<void> {
  await db.query(
    `update runs r set error_message = a.error_message, error_attempt = a.attempt
     from run_attempts a where a.run_id = r.id and a.attempt = r.attempts and r.state = 'failed'`);
}

/**
 * The sizes every other completed run reported too (the decision bench's lineage keeps its jobs'
 * last 40): where every job reports output statistics, `dataset_stats` grows as `runs` does.
 */
export async function insertFillerSizes(db: Queryable): Promise<void> {
  await db.query(
    `insert into dataset_stats (dataset, job_id, run_key, row_count, bytes, observed_at)
     select d.dataset, r.job_id, r.run_key, x.rows, x.rows * 120, r.ended_at
     from job_datasets d join runs r on r.job_id = d.job_id and r.state = 'completed'
     cross join lateral (select ((1000 + bench_u(d.job_id, 30) * 2000000) * (1 + 0.04 * (bench_u(r.id, 32) - 0.5)))::bigint as rows) x
     where d.direction = 'output'
     on conflict do nothing`);
}

/** The size of each dataset each completed run of the service wrote, a little different every day. */
export async function insertServiceSizes(db: Queryable): Promise<void> {
  await db.query(
    `insert into dataset_stats (dataset, job_id, run_key, row_count, bytes, observed_at)
     select m.output, r.job_id, r.run_key, x.rows, x.rows * 150, r.ended_at
     from bench_trace_jobs m join runs r on r.job_id = m.job_id and r.state = 'completed'
     cross join lateral (select ((10000 + bench_u(m.job_id, 44) * 1000000) * (1 + 0.04 * (bench_u(r.id, 45) - 0.5)))::bigint as rows) x`);
}
