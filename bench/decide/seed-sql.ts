/**
 * Set-based seeding of the run history: jobs, a million runs with their attempts, and the
 * incidents their failed attempts belong to, with resolutions. Everything is generated inside
 * PostgreSQL from `generate_series`; per-row randomness comes from a hash of the row's key
 * (`bench_u`), so the same seed gives the same history and no volatile function is re-evaluated
 * behind the planner's back.
 */
import type { Queryable } from '../../src/db/pool.ts';

/** One job of the seed with what its history looks like. */
export interface SeedJob {
  namespace: string;
  name: string;
  source: string;
  orchestrator: string;
  cadenceMinutes: number;
  medianMs: number;
  /** How much more (or less) often than average it fails. */
  flaky: number;
  dag: number;
  task: number;
}

export const RUNS_PER_JOB = 500;

/** The helper the seed draws from: a uniform number in [0, 1) from a row key and a salt. */
export async function createHelpers(db: Queryable): Promise<void> {
  await db.query(`create or replace function bench_u(k bigint, salt int) returns float8 language sql immutable parallel safe as
    $$ select (hashint8(k * 64 + salt) & 2147483647)::float8 / 2147483648 $$`);
  await db.query(`create table if not exists bench_job_meta (job_id bigint primary key, cadence_minutes int not null, median_ms float8 not null,
    flaky float8 not null, dag int not null, task int not null)`);
}

export async function insertJobs(db: Queryable, jobs: SeedJob[]): Promise<void> {
  const col = <K extends keyof SeedJob>(k: K) => jobs.map((j) => j[k]);
  await db.query(`insert into sources (name, orchestrator) select distinct s, o from unnest($1::text[], $2::text[]) as x(s, o)`, [col('source'), col('orchestrator')]);
  await db.query(
    `with x as (select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::float8[], $7::float8[], $8::int[], $9::int[])
                as x(namespace, name, source, orchestrator, cadence, median_ms, flaky, dag, task)),
          j as (insert into jobs (namespace, name, source, orchestrator, first_seen_at)
                select namespace, name, source, orchestrator, now() - interval '2 years' from x order by dag, task returning id, namespace, name)
     insert into bench_job_meta select j.id, x.cadence, x.median_ms, x.flaky, x.dag, x.task from j join x using (namespace, name)`,
    [col('namespace'), col('name'), col('source'), col('orchestrator'), col('cadenceMinutes'), col('medianMs'), col('flaky'), col('dag'), col('task')],
  );
}

/**
 * `RUNS_PER_JOB` runs per job at its cadence, ending before `now`: about 10 % retried, 3.5 % failed
 * for good (more for flaky jobs). Inserted in time order, so a newer run has a higher id.
 */
export async function insertRuns(db: Queryable, now: Date): Promise<void> {
  await db.query(
    `with base as (
       select m.job_id, m.task, m.median_ms, m.flaky, m.job_id * 1000 + g.n as k,
              (case when m.cadence_minutes = 1440 then date_trunc('day', $1::timestamptz - interval '1 day') + interval '2 hours'
                    else date_trunc('hour', $1::timestamptz) - interval '3 hours' end)
                - make_interval(mins => m.cadence_minutes * (${RUNS_PER_JOB} - g.n)) as slot
       from bench_job_meta m cross join generate_series(1, ${RUNS_PER_JOB}) g(n)
     ), drawn as (
       select b.*, 1 + (bench_u(k, 1) < 0.08 * flaky)::int + (bench_u(k, 2) < 0.025 * flaky)::int as attempts,
              bench_u(k, 3) < 0.035 * flaky as failed,
              median_ms * exp(0.35 * sqrt(-2 * ln(greatest(bench_u(k, 4), 1e-12))) * cos(2 * pi() * bench_u(k, 5))) as dur_ms,
              slot + make_interval(secs => task * 120 + bench_u(k, 6) * 90) as started
       from base b
     ), timed as (
       select d.*, started + make_interval(secs => (attempts * dur_ms + (attempts - 1) * 120000) / 1000.0) as ended from drawn d
     )
     insert into runs (job_id, run_key, external_id, attempts, state, state_at, state_rank, scheduled_at, queued_at, started_at,
                       ended_at, event_count, created_at, updated_at)
     select job_id, 'scheduled__' || to_char(slot at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS'), 'ext-' || k, attempts,
            case when failed then 'failed' else 'completed' end, ended, 3, slot, slot, started, ended, 2 * attempts, ended, ended
     from timed order by slot, job_id`,
    [now.toISOString()],
  );
  await db.query('analyze runs');
}

// Each attempt of a run gets an equal share of its time, with two minutes between attempts.
const ATTEMPT_TIMES = `
  cross join lateral (select (extract(epoch from r.ended_at - r.started_at) * 1000 - (r.attempts - 1) * 120000) / r.attempts as d) len
  cross join lateral generate_series(1, r.attempts) a(k)
  cross join lateral (select r.started_at + make_interval(secs => (a.k - 1) * (len.d + 120000) / 1000.0) as s) t`;

/** The failed attempts, numbered by job and time, so that neighbours can share an incident. */
export async function collectFailures(db: Queryable): Promise<number> {
  await db.query(`drop table if exists bench_failed`);
  await db.query(
    `create table bench_failed as
     select row_number() over (order by r.job_id, t.s) as n, r.id as run_id, a.k as attempt, r.job_id,
            t.s + make_interval(secs => len.d / 1000.0) as failed_at
     from runs r ${ATTEMPT_TIMES}
     where a.k < r.attempts or r.state = 'failed'`,
  );
  await db.query('analyze bench_failed');
  const n = await db.query<{ n: number }>('select count(*)::int as n from bench_failed');
  return n.rows[0]?.n ?? 0;
}

/**
 * `incidents` incidents over the failed attempts (neighbouring failures of a job share one), each
 * with the signature `signatureOf[i]`, and a resolution for those that ended: mostly retries and
 * the next run succeeding, with a success rate of its own per signature.
 */
export async function insertIncidents(db: Queryable, incidents: number, signatureOf: number[]): Promise<void> {
  await db.query(`create temporary table bench_incident_sig (inc bigint primary key, signature_id bigint not null)`);
  await db.query(`insert into bench_incident_sig select i, s from unnest($1::bigint[]) with ordinality as x(s, i)`, [signatureOf]);
  await db.query(`alter table bench_failed add column inc bigint`);
  await db.query(`update bench_failed set inc = 1 + floor((n - 1) * $1::float8 / (select count(*) from bench_failed))`, [incidents]);
  await db.query(
    `insert into incidents (id, signature_id, job_id, kind, status, title, occurrences, jobs_affected, opened_at, last_seen_at, closed_at)
     overriding system value
     select f.inc, b.signature_id, min(f.job_id), case when count(distinct f.job_id) > 1 then 'storm' else 'single' end, st.status,
            left(min(j.namespace || '/' || j.name) || ': ' || s.template, 500), count(*), count(distinct f.job_id), min(f.failed_at), max(f.failed_at),
            case when st.status = 'open' then null else max(f.failed_at) + make_interval(secs => 60 + bench_u(f.inc, 8) * 3600) end
     from bench_failed f join bench_incident_sig b on b.inc = f.inc join signatures s on s.id = b.signature_id join jobs j on j.id = f.job_id
     cross join lateral (select case when bench_u(f.inc, 7) < 0.85 then 'resolved' when bench_u(f.inc, 7) < 0.93 then 'closed' else 'open' end as status) st
     group by f.inc, b.signature_id, s.template, st.status`,
  );
  await db.query(`select setval(pg_get_serial_sequence('incidents', 'id'), (select max(id) from incidents))`);
  await db.query(`insert into incident_runs (run_id, attempt, incident_id, job_id, failed_at) select run_id, attempt, inc, job_id, failed_at from bench_failed`);
  await db.query('analyze incidents, incident_runs');
  await db.query(
    `insert into resolutions (incident_id, action, detail, actor, outcome, time_to_recover_ms, resolved_at, run_id)
     select i.id, a.action, case a.action when 'retry' then 'after ' || (1 + (bench_u(i.id, 9) * 10)::int) || ' min' end,
            case a.action when 'retry' then 'airflow' when 'next_run' then 'schedule' when 'manual_fix' then 'oncall@example.com' else 'medic' end,
            case when a.action = 'noise' then 'noise' when bench_u(i.id, 10) < a.p then 'success' else 'failure' end,
            extract(epoch from i.closed_at - i.last_seen_at)::bigint * 1000, i.closed_at, first.run_id
     from incidents i
     join (select inc, min(run_id) as run_id from bench_failed group by inc) first on first.inc = i.id
     cross join lateral (select bench_u(i.signature_id, 11) as h, bench_u(i.id, 12) as own) u
     cross join lateral (select case when u.own < 0.8 then
                                  case when u.h < 0.55 then 'retry' when u.h < 0.75 then 'next_run' when u.h < 0.85 then 'rerun' when u.h < 0.95 then 'manual_fix' else 'noise' end
                                else (array['retry', 'next_run', 'rerun', 'manual_fix'])[1 + (u.own * 1000)::int % 4] end as action,
                                case when u.own < 0.8 then 0.55 + 0.4 * bench_u(i.signature_id, 13) else 0.5 end as p) a
     where i.status <> 'open'`,
  );
}

/** Attempts of every run; a failed one carries its incident's signature message. */
export async function insertAttempts(db: Queryable): Promise<void> {
  await db.query(`create index on bench_failed (run_id, attempt)`);
  await db.query(
    `insert into run_attempts (run_id, attempt, external_id, state, state_at, state_rank, queued_at, started_at, ended_at, error_message)
     select r.id, a.k, r.external_id || '-' || a.k, case when f.run_id is null then 'completed' else 'failed' end,
            t.s + make_interval(secs => len.d / 1000.0), 3, t.s, t.s, t.s + make_interval(secs => len.d / 1000.0), s.sample
     from runs r ${ATTEMPT_TIMES}
     left join bench_failed f on f.run_id = r.id and f.attempt = a.k
     left join incidents i on i.id = f.inc
     left join signatures s on s.id = i.signature_id`,
  );
  await db.query(
    `update runs r set error_message = a.error_message, error_attempt = a.attempt
     from run_attempts a where a.run_id = r.id and a.attempt = r.attempts and r.state = 'failed'`,
  );
  await db.query(
    `update signatures s set occurrences = x.n, first_seen_at = x.first, last_seen_at = x.last
     from (select i.signature_id, sum(i.occurrences)::int as n, min(i.opened_at) as first, max(i.last_seen_at) as last
           from incidents i group by i.signature_id) x
     where x.signature_id = s.id`,
  );
}
