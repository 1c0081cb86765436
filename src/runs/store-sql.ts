import type { Queryable } from '../db/pool.ts';
import type { AttemptRow, RunRow } from './fold.ts';

/**
 * The write side of ingest: set-based statements (one round trip per table per batch) whose rows
 * travel as one JSON document, each merging with what is stored by the same rules as `fold.ts`.
 */

export interface SourceRow {
  name: string;
  orchestrator: string;
}

/** Records sources not seen before. Never updates: a hot row would serialise concurrent batches. */
export async function insertSources(db: Queryable, rows: SourceRow[]): Promise<void> {
  await db.query(
    `insert into sources (name, orchestrator)
     select * from unnest($1::text[], $2::text[]) on conflict (name) do nothing`,
    [rows.map((r) => r.name), rows.map((r) => r.orchestrator)],
  );
}

export interface JobInsert {
  namespace: string;
  name: string;
  source: string;
  orchestrator: string;
}

/** Creates jobs not seen before and returns the id of every job in `rows`. */
export async function ensureJobs(
  db: Queryable,
  rows: JobInsert[],
): Promise<{ id: number; namespace: string; name: string }[]> {
  const namespaces = rows.map((r) => r.namespace);
  const names = rows.map((r) => r.name);
  await db.query(
    `insert into jobs (namespace, name, source, orchestrator)
     select * from unnest($1::text[], $2::text[], $3::text[], $4::text[])
     on conflict (namespace, name) do nothing`,
    [namespaces, names, rows.map((r) => r.source), rows.map((r) => r.orchestrator)],
  );
  // A separate statement: its snapshot sees jobs that concurrent batches committed meanwhile.
  const result = await db.query<{ id: number; namespace: string; name: string }>(
    `select j.id, j.namespace, j.name from jobs j
     join unnest($1::text[], $2::text[]) as u(namespace, name) on j.namespace = u.namespace and j.name = u.name`,
    [namespaces, names],
  );
  return result.rows;
}

export interface PayloadRow {
  sha256: string;
  source: string;
  orchestrator: string;
  body: string;
}

/**
 * Rows travel as one JSON document read by `json_to_recordset`: the bodies are already JSON text,
 * so they are spliced in as they are instead of being escaped into a Postgres array literal.
 */
export async function insertPayloads(db: Queryable, rows: PayloadRow[]): Promise<void> {
  const doc = `[${rows.map((r) => `{"h":${JSON.stringify(r.sha256)},"s":${JSON.stringify(r.source)},"o":${JSON.stringify(r.orchestrator)},"b":${r.body}}`).join(',')}]`;
  await db.query(
    `insert into ingest_payloads (sha256, source, orchestrator, body)
     select decode(h, 'hex'), s, o, b from json_to_recordset($1::json) as t(h text, s text, o text, b json)
     on conflict (sha256) do nothing`,
    [doc],
  );
}

export interface EventRow {
  dedupeKey: string;
  source: string;
  orchestrator: string;
  jobId: number;
  runKey: string;
  attempt: number;
  externalId: string;
  eventType: string;
  eventTime: Date;
  payloadSha256: string;
  normalized: string;
}

/** Inserts events not stored before; returns the dedupe keys (UUID text) of those it inserted. */
export async function insertEvents(db: Queryable, rows: EventRow[]): Promise<Set<string>> {
  const doc = `[${rows.map((r) => `{"k":"${r.dedupeKey}","s":${JSON.stringify(r.source)},"o":"${r.orchestrator}","j":${r.jobId},"rk":${JSON.stringify(r.runKey)},"a":${r.attempt},"x":${JSON.stringify(r.externalId)},"et":"${r.eventType}","t":"${r.eventTime.toISOString()}","p":"${r.payloadSha256}","n":${r.normalized}}`).join(',')}]`;
  const result = await db.query<{ k: string }>(
    `insert into run_events (dedupe_key, source, orchestrator, job_id, run_key, attempt, external_id,
                             event_type, event_time, payload_sha256, normalized)
     select k, s, o, j, rk, a, x, et, t, decode(p, 'hex'), n
     from json_to_recordset($1::json) as u(k uuid, s text, o text, j bigint, rk text, a int, x text, et text, t timestamptz, p text, n json)
     on conflict (dedupe_key) do nothing
     returning dedupe_key::text as k`,
    [doc],
  );
  return new Set(result.rows.map((r) => r.k));
}

// The state of the stored row yields to the incoming one when the incoming is later.
const LATER = '(excluded.attempts, excluded.state_at, excluded.state_rank) > (r.attempts, r.state_at, r.state_rank)';
const NEWER_ERROR = 'excluded.error_attempt is not null and excluded.error_attempt >= coalesce(r.error_attempt, 0)';

export interface StoredRun {
  id: number;
  job_id: number;
  run_key: string;
  state: string;
  attempts: number;
}

export async function upsertRuns(db: Queryable, jobIds: number[], rows: RunRow[]): Promise<StoredRun[]> {
  const result = await db.query<StoredRun>(
    `insert into runs as r (job_id, run_key, external_id, attempts, state, state_at, state_rank, scheduled_at,
                            queued_at, started_at, ended_at, error_message, error_detail, error_attempt,
                            parent_namespace, parent_name, parent_run_key, facets, event_count)
     select job_id, run_key, external_id, attempts, state, state_at, state_rank, scheduled_at, queued_at, started_at,
            ended_at, error_message, error_detail, error_attempt, parent_namespace, parent_name, parent_run_key,
            coalesce(facets, '{}'), event_count
     from json_to_recordset($1::json) as x(job_id bigint, run_key text, external_id text, attempts int, state text,
          state_at timestamptz, state_rank smallint, scheduled_at timestamptz, queued_at timestamptz,
          started_at timestamptz, ended_at timestamptz, error_message text, error_detail text, error_attempt int,
          parent_namespace text, parent_name text, parent_run_key text, facets jsonb, event_count int)
     on conflict (job_id, run_key) do update set
       external_id = case when ${LATER} then excluded.external_id else r.external_id end,
       state       = case when ${LATER} then excluded.state else r.state end,
       state_at    = case when ${LATER} then excluded.state_at else r.state_at end,
       state_rank  = case when ${LATER} then excluded.state_rank else r.state_rank end,
       attempts    = greatest(r.attempts, excluded.attempts),
       scheduled_at = coalesce(r.scheduled_at, excluded.scheduled_at),
       queued_at   = least(r.queued_at, excluded.queued_at),
       started_at  = least(r.started_at, excluded.started_at),
       ended_at    = greatest(r.ended_at, excluded.ended_at),
       error_message = case when ${NEWER_ERROR} then excluded.error_message else r.error_message end,
       error_detail  = case when ${NEWER_ERROR} then excluded.error_detail else r.error_detail end,
       error_attempt = greatest(r.error_attempt, excluded.error_attempt),
       parent_namespace = coalesce(r.parent_namespace, excluded.parent_namespace),
       parent_name = coalesce(r.parent_name, excluded.parent_name),
       parent_run_key = coalesce(r.parent_run_key, excluded.parent_run_key),
       facets      = r.facets || excluded.facets,
       event_count = r.event_count + excluded.event_count,
       updated_at  = now()
     returning id, job_id, run_key, state, attempts`,
    [JSON.stringify(rows.map((r, i) => ({
      job_id: jobIds[i], run_key: r.runKey, external_id: r.externalId, attempts: r.attempt, state: r.state,
      state_at: r.stateAt, state_rank: r.stateRank, scheduled_at: r.scheduledAt, queued_at: r.queuedAt,
      started_at: r.startedAt, ended_at: r.endedAt, error_message: r.errorMessage, error_detail: r.errorDetail,
      error_attempt: r.errorAttempt, parent_namespace: r.parent?.namespace ?? null, parent_name: r.parent?.name ?? null,
      parent_run_key: r.parent?.runKey ?? null, facets: r.facets, event_count: r.eventCount,
    })))],
  );
  return result.rows;
}

const LATER_ATTEMPT = '(excluded.state_at, excluded.state_rank) > (a.state_at, a.state_rank)';

export async function upsertAttempts(db: Queryable, runIds: number[], rows: AttemptRow[]): Promise<void> {
  await db.query(
    `insert into run_attempts as a (run_id, attempt, external_id, state, state_at, state_rank, queued_at,
                                    started_at, ended_at, reported_duration_ms, error_message, error_detail,
                                    error_language)
     select * from json_to_recordset($1::json) as x(run_id bigint, attempt int, external_id text, state text,
          state_at timestamptz, state_rank smallint, queued_at timestamptz, started_at timestamptz,
          ended_at timestamptz, reported_duration_ms bigint, error_message text, error_detail text, error_language text)
     on conflict (run_id, attempt) do update set
       external_id = case when ${LATER_ATTEMPT} then excluded.external_id else a.external_id end,
       state      = case when ${LATER_ATTEMPT} then excluded.state else a.state end,
       state_at   = case when ${LATER_ATTEMPT} then excluded.state_at else a.state_at end,
       state_rank = case when ${LATER_ATTEMPT} then excluded.state_rank else a.state_rank end,
       queued_at  = least(a.queued_at, excluded.queued_at),
       started_at = least(a.started_at, excluded.started_at),
       ended_at   = greatest(a.ended_at, excluded.ended_at),
       reported_duration_ms = coalesce(excluded.reported_duration_ms, a.reported_duration_ms),
       error_message  = coalesce(excluded.error_message, a.error_message),
       error_detail   = coalesce(excluded.error_detail, a.error_detail),
       error_language = coalesce(excluded.error_language, a.error_language)`,
    [JSON.stringify(rows.map((r, i) => ({
      run_id: runIds[i], attempt: r.attempt, external_id: r.externalId, state: r.state, state_at: r.stateAt,
      state_rank: r.stateRank, queued_at: r.queuedAt, started_at: r.startedAt, ended_at: r.endedAt,
      reported_duration_ms: r.reportedDurationMs, error_message: r.errorMessage, error_detail: r.errorDetail,
      error_language: r.errorLanguage,
    })))],
  );
}
