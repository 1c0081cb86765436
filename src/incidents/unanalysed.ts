/**
 * Failed attempts stored without their analysis: ingest commits the events, then queues one
 * analysis per failed attempt, so a queue that is down or a process killed in between leaves a
 * failure no incident knows of — and the payload sent again is a duplicate that queues nothing.
 * The heal sweep queues those again; the analysis's job id and its own check make it run once.
 */
import type { Queryable } from '../db/pool.ts';
import type { Deps } from '../deps.ts';

/**
 * Failed attempts with no incident whose failure Medic recorded between `from` and `to`, whenever
 * they failed: a failure backfilled from last month whose analysis was lost is found as well.
 */
export async function unanalysedAttempts(db: Queryable, from: Date, to: Date, limit: number): Promise<{ run_id: number; attempt: number }[]> {
  const r = await db.query<{ run_id: number; attempt: number }>(
    `select a.run_id, a.attempt from run_attempts a
      where a.state in ('failed', 'aborted') and a.state_recorded_at >= $1 and a.state_recorded_at < $2
        and not exists (select 1 from incident_runs ir where ir.run_id = a.run_id and ir.attempt = a.attempt)
      order by a.state_recorded_at limit $3`,
    [from.toISOString(), to.toISOString(), limit],
  );
  return r.rows;
}

/**
 * Queues the analysis of failures that have none, recorded within the heal loop's horizon and at
 * least `grace` ms ago (their job is usually running by then; queued twice, it runs once all the
 * same); returns how many. An old failure analysed this way is grouped and matched, not acted on:
 * the heal loop leaves failures older than its horizon alone.
 */
export async function requeueUnanalysed(deps: Pick<Deps, 'pool' | 'queue' | 'clock' | 'config'>, grace: number): Promise<number> {
  const now = deps.clock().getTime();
  const found = await unanalysedAttempts(deps.pool, new Date(now - Math.max(deps.config.healMaxAgeMs, grace)), new Date(now - grace), 200);
  for (const f of found) await deps.queue.enqueue('analyse-failure', { runId: f.run_id, attempt: f.attempt }, { jobId: `analyse-failure:${f.run_id}:${f.attempt}` });
  return found.length;
}
