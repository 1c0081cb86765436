/** What the incident pages read beyond the incident API's own queries. */
import type { Queryable } from '../../db/pool.ts';

/** One attempt of a run an incident holds, with its job and where it runs. */
export interface TimelineAttempt {
  run_id: number;
  run_key: string;
  run_state: string;
  job: string;
  source: string;
  orchestrator: string;
  attempt: number;
  state: string;
  started_at: Date | null;
  ended_at: Date | null;
  duration_ms: number | null;
  /** The first characters of what the attempt said when it failed. */
  error_message: string | null;
}

/** How many characters of a failure message the timeline reads: a log can be megabytes. */
const MESSAGE_CHARS = 500;

/**
 * Every attempt of these runs, oldest first within each run: the failed ones and the retries
 * around them, across whichever sources ran them. Logs are left out; the page shows one excerpt.
 * Past `limit`, the runs with the lowest ids (the oldest) lose their attempts first.
 */
export async function attemptsOfRuns(db: Queryable, runIds: readonly number[], limit: number): Promise<TimelineAttempt[]> {
  if (runIds.length === 0) return [];
  const r = await db.query<TimelineAttempt>(
    `select a.run_id, r.run_key, r.state as run_state, j.namespace || '/' || j.name as job, j.source, j.orchestrator,
            a.attempt, a.state, a.started_at, a.ended_at, a.duration_ms,
            left(coalesce(a.error_message, case when r.error_attempt = a.attempt then r.error_message end), $2) as error_message
       from run_attempts a join runs r on r.id = a.run_id join jobs j on j.id = r.job_id
      where a.run_id = any($1::bigint[])
      order by a.run_id desc, a.attempt
      limit $3`,
    [runIds, MESSAGE_CHARS, limit],
  );
  return r.rows;
}
