import type { Queryable } from '../db/pool.ts';
import { splitJobs } from '../runs/job-name.ts';
import type { AttemptSample } from './model.ts';

/** A job's runs as Medic stored them, keyed by `namespace/name`. */
export interface RunRow {
  job: string;
  run_key: string;
  state: string;
  scheduled_at: Date | null;
  started_at: Date | null;
  ended_at: Date | null;
}

/** The latest run of each of `jobs` that had started (or was scheduled) by `at`. */
export async function recentRuns(db: Queryable, jobs: string[], at: Date, limit = 50): Promise<RunRow[]> {
  const r = await db.query<RunRow>(
    `select j.namespace || '/' || j.name as job, r.run_key, r.state, r.scheduled_at, r.started_at, r.ended_at
     from jobs j join lateral (
       select * from runs r where r.job_id = j.id and coalesce(r.started_at, r.scheduled_at, r.state_at) <= $2
       order by coalesce(r.scheduled_at, r.started_at, r.state_at) desc limit $3) r on true
     where j.namespace || '/' || j.name = any($1::text[])`,
    [jobs, at.toISOString(), limit],
  );
  return r.rows;
}

/** A job's past attempts, oldest first, and how long its retries waited after a failed attempt. */
export interface JobHistory {
  attempts: AttemptSample[];
  retryDelaysMs: number[];
}

/** Each job's attempts that had ended by `at`, oldest first, over the `days` before it. */
export async function attemptHistory(db: Queryable, jobs: string[], at: Date, days = 90): Promise<Map<string, JobHistory>> {
  const r = await db.query<{ job: string; run_id: string; started_at: Date; ended_at: Date; duration_ms: number; failed: boolean }>(
    `select j.namespace || '/' || j.name as job, a.run_id, a.started_at, a.ended_at, a.duration_ms, a.state in ('failed', 'aborted') as failed
     from run_attempts a join runs r on r.id = a.run_id join jobs j on j.id = r.job_id
     where j.namespace || '/' || j.name = any($1::text[]) and a.started_at is not null and a.ended_at is not null
       and a.ended_at <= $2 and a.started_at >= $2::timestamptz - make_interval(days => $3)
     order by a.started_at`,
    [jobs, at.toISOString(), days],
  );
  const out = new Map<string, JobHistory>();
  const failedEnd = new Map<string, number>();
  for (const row of r.rows) {
    const h = out.get(row.job) ?? { attempts: [], retryDelaysMs: [] };
    h.attempts.push({ startedAt: row.started_at, durationMs: Number(row.duration_ms), failed: row.failed });
    // The next attempt of a run whose attempt failed: the gap between them is the retry delay.
    const before = failedEnd.get(row.run_id);
    if (before !== undefined) h.retryDelaysMs.push(Math.max(0, row.started_at.getTime() - before));
    if (row.failed) failedEnd.set(row.run_id, row.ended_at.getTime());
    else failedEnd.delete(row.run_id);
    out.set(row.job, h);
  }
  return out;
}

/**
 * Every run of `jobs` that started (or was scheduled) in the `days` before `at`, oldest first.
 * Jobs are found by their unique key, so a job name's namespace must hold no `/` (as a service's
 * job names never do), and each job's runs are one range of `runs_job_time_idx`. A window holds
 * tens of thousands of rows for a large service: they come as arrays with epoch times, which
 * costs no date parsing.
 */
export async function runsBefore(db: Queryable, jobs: string[], at: Date, days = 90): Promise<RunRow[]> {
  const r = await db.query<[string, string, string, number | null, number | null, number | null]>({
    text: `select j.namespace || '/' || j.name, r.run_key, r.state, date_part('epoch', r.scheduled_at) * 1000,
                  date_part('epoch', r.started_at) * 1000, date_part('epoch', r.ended_at) * 1000
           from unnest($1::text[], $2::text[]) as u(namespace, name)
             join jobs j on j.namespace = u.namespace and j.name = u.name
             join runs r on r.job_id = j.id
           where coalesce(r.scheduled_at, r.started_at, r.state_at) < $3
             and coalesce(r.scheduled_at, r.started_at, r.state_at) >= $3::timestamptz - make_interval(days => $4)
           order by coalesce(r.scheduled_at, r.started_at, r.state_at)`,
    values: [...splitJobs(jobs), at.toISOString(), days], rowMode: 'array',
  });
  const date = (ms: number | null) => (ms === null ? null : new Date(ms));
  return r.rows.map(([job, run_key, state, s, st, e]) => ({ job, run_key, state, scheduled_at: date(s), started_at: date(st), ended_at: date(e) }));
}
