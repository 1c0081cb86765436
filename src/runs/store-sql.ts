import { loadTextRows, textRows, type TextRows } from '../db/copy.ts';
import type { Client, Queryable } from '../db/pool.ts';
import type { AttemptRow, RunRow } from './fold.ts';

/**
 * The write side of ingest: set-based statements, one per table per batch, each merging with what
 * is stored by the same rules as `fold.ts`.
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

/**
 * A batch's payloads, events, runs and attempts reach the database through temporary tables of
 * text columns, one of each per session and emptied at commit: `COPY … (FORMAT binary)` fills
 * them on a server (nothing escaped on the way, nothing parsed twice), an insert from `unnest`
 * on PGlite. The statements that write the real tables read them with the same casts either way,
 * so the input functions, and what they accept, are those of a parameter.
 */
const STAGES = {
  payloads: ['sha256', 'source', 'orchestrator', 'body'],
  events: ['ord', 'dedupe_key', 'source', 'orchestrator', 'job_id', 'run_key', 'attempt', 'external_id', 'event_type', 'event_time',
    'payload_sha256', 'normalized'],
  runs: ['job_id', 'run_key', 'external_id', 'attempts', 'state', 'state_at', 'state_rank', 'scheduled_at', 'queued_at', 'started_at',
    'ended_at', 'error_message', 'error_detail', 'error_attempt', 'parent_namespace', 'parent_name', 'parent_run_key', 'facets',
    'event_count'],
  attempts: ['ord', 'job_id', 'run_key', 'attempt', 'external_id', 'state', 'state_at', 'state_rank', 'queued_at', 'started_at',
    'ended_at', 'reported_duration_ms', 'error_message', 'error_detail', 'error_language'],
} as const;
type Stage = keyof typeof STAGES;

// Created in the transaction that uses them, if absent: a session may be new (or, behind a
// transaction-pooling proxy, another one) for every transaction.
const CREATE_STAGES = Object.entries(STAGES)
  .map(([name, columns]) => `create temp table if not exists medic_stage_${name} (${columns.map((c) => `${c} text`).join(', ')}) on commit delete rows`)
  .join(';\n');

/** Makes sure the staging tables exist in this session; call inside the batch's transaction. */
export async function createStages(tx: Client): Promise<void> {
  await tx.query(CREATE_STAGES);
}

async function stage(tx: Client, copy: boolean, name: Stage, write: (rows: TextRows) => void, sizeHint: number): Promise<void> {
  const rows = textRows(copy, STAGES[name].length, sizeHint);
  write(rows);
  await loadTextRows(tx, `medic_stage_${name}`, [...STAGES[name]], rows);
}

/** JSON's text for a number: null where JSON.stringify would write null. */
const num = (n: number | null | undefined): string | null => (typeof n === 'number' && Number.isFinite(n) ? String(n) : null);
/** JSON's text for a time (`Date#toJSON`): null for none or an invalid date. */
const toJson = (d: Date | null | undefined): string | null => (d instanceof Date && Number.isFinite(d.getTime()) ? d.toISOString() : null);

export interface PayloadRow {
  sha256: string;
  source: string;
  orchestrator: string;
  body: string;
}

/**
 * A batch's payload rows, written as they come so that the bodies need not outlive the batch's
 * first statements (the buffer a COPY sends lies outside the JavaScript heap).
 */
export class PayloadStage {
  readonly rows: TextRows;

  constructor(copy: boolean, sizeHint: number) {
    this.rows = textRows(copy, STAGES.payloads.length, sizeHint);
  }

  add(p: PayloadRow): void {
    this.rows.row();
    this.rows.text(p.sha256);
    this.rows.text(p.source);
    this.rows.text(p.orchestrator);
    this.rows.text(p.body);
  }
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
  /** ISO 8601, as Date#toISOString writes it. */
  eventTime: string;
  payloadSha256: string;
  normalized: string;
}

/** Stages a batch's payloads and events, to be written by `insertPayloads` and `insertEvents`. */
export async function stageEvents(tx: Client, copy: boolean, payloads: PayloadStage, events: EventRow[]): Promise<void> {
  await loadTextRows(tx, 'medic_stage_payloads', [...STAGES.payloads], payloads.rows);
  let bytes = 0;
  for (const e of events) bytes += e.normalized.length + e.runKey.length + e.externalId.length + 220;
  await stage(tx, copy, 'events', (w) => {
    events.forEach((e, i) => {
      w.row();
      w.text(String(i));
      w.text(e.dedupeKey);
      w.text(e.source);
      w.text(e.orchestrator);
      w.text(String(e.jobId));
      w.text(e.runKey);
      w.text(String(e.attempt));
      w.text(e.externalId);
      w.text(e.eventType);
      w.text(e.eventTime);
      w.text(e.payloadSha256);
      w.text(e.normalized);
    });
  }, bytes);
}

/** Stores the staged payloads not stored before. */
export async function insertPayloads(tx: Client): Promise<void> {
  await tx.query(
    `insert into ingest_payloads (sha256, source, orchestrator, body)
     select decode(sha256, 'hex'), source, orchestrator, body::json from medic_stage_payloads
     on conflict (sha256) do nothing`,
  );
}

/**
 * Inserts the staged events not stored before; says for each, in the order staged, whether it
 * was inserted now. One string of 0s and 1s rather than a row per event: the answer of a batch
 * of new events costs nothing to read.
 */
export async function insertEvents(tx: Client): Promise<string> {
  const result = await tx.query<{ fresh: string | null }>(
    `with inserted as (
       insert into run_events (dedupe_key, source, orchestrator, job_id, run_key, attempt, external_id,
                               event_type, event_time, payload_sha256, normalized)
       select dedupe_key::uuid, source, orchestrator, job_id::bigint, run_key, attempt::int, external_id,
              event_type, event_time::timestamptz, decode(payload_sha256, 'hex'), normalized::json
       from medic_stage_events
       on conflict (dedupe_key) do nothing
       returning dedupe_key)
     select string_agg(case when i.dedupe_key is null then '0' else '1' end, '' order by s.ord::int) as fresh
     from medic_stage_events s left join inserted i on i.dedupe_key = s.dedupe_key::uuid`,
  );
  return result.rows[0]?.fresh ?? '';
}

/**
 * Refuses, as ingest always has, a payload whose JSON escapes a NUL (\u0000) or a lone surrogate:
 * read with its escapes resolved, as `json_to_recordset` reads it, either is an error (22P05,
 * 22P02). `json` input only validates and COPY takes both, so the payloads that may hold one
 * (rare: their text holds a `\u`) are read this way first, their details with them.
 */
export async function refuseUnescapable(tx: Queryable, payloads: readonly { source: string; body: string; normalized: string[] }[]): Promise<void> {
  if (payloads.length === 0) return;
  await tx.query(
    `select count(*) from json_to_recordset($1::json) as t(s text, b json, n json)`,
    [`[${payloads.map((p) => `{"s":${JSON.stringify(p.source)},"b":${p.body},"n":[${p.normalized.join(',')}]}`).join(',')}]`],
  );
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

const RUNS_FROM_STAGE = `
  insert into runs as r (job_id, run_key, external_id, attempts, state, state_at, state_rank, scheduled_at,
                         queued_at, started_at, ended_at, error_message, error_detail, error_attempt,
                         parent_namespace, parent_name, parent_run_key, facets, event_count)
  select job_id::bigint, run_key, external_id, attempts::int, state, state_at::timestamptz, state_rank::smallint,
         scheduled_at::timestamptz, queued_at::timestamptz, started_at::timestamptz, ended_at::timestamptz,
         error_message, error_detail, error_attempt::int, parent_namespace, parent_name, parent_run_key,
         coalesce(facets::jsonb, '{}'), event_count::int
  from medic_stage_runs
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
  returning id, job_id, run_key, state, attempts`;

const LATER_ATTEMPT = '(excluded.state_at, excluded.state_rank) > (a.state_at, a.state_rank)';

// Attempts find their run's id among the rows the runs upsert returns, and go in the order they
// were folded in, so that concurrent batches lock the same rows in the same order.
const ATTEMPTS_FROM_STAGE = `
  insert into run_attempts as a (run_id, attempt, external_id, state, state_at, state_rank, queued_at,
                                 started_at, ended_at, reported_duration_ms, error_message, error_detail,
                                 error_language)
  select r.id, s.attempt::int, s.external_id, s.state, s.state_at::timestamptz, s.state_rank::smallint,
         s.queued_at::timestamptz, s.started_at::timestamptz, s.ended_at::timestamptz, s.reported_duration_ms::bigint,
         s.error_message, s.error_detail, s.error_language
  from medic_stage_attempts s join r on r.job_id = s.job_id::bigint and r.run_key = s.run_key
  order by s.ord::int
  on conflict (run_id, attempt) do update set
    external_id = case when ${LATER_ATTEMPT} then excluded.external_id else a.external_id end,
    state      = case when ${LATER_ATTEMPT} then excluded.state else a.state end,
    state_at   = case when ${LATER_ATTEMPT} then excluded.state_at else a.state_at end,
    state_rank = case when ${LATER_ATTEMPT} then excluded.state_rank else a.state_rank end,
    state_recorded_at = case when ${LATER_ATTEMPT} and excluded.state <> a.state then now() else a.state_recorded_at end,
    queued_at  = least(a.queued_at, excluded.queued_at),
    started_at = least(a.started_at, excluded.started_at),
    ended_at   = greatest(a.ended_at, excluded.ended_at),
    reported_duration_ms = coalesce(excluded.reported_duration_ms, a.reported_duration_ms),
    error_message  = coalesce(excluded.error_message, a.error_message),
    error_detail   = coalesce(excluded.error_detail, a.error_detail),
    error_language = coalesce(excluded.error_language, a.error_language)`;

/**
 * Merges folded runs and their attempts into the stored ones, in one statement (the attempts
 * need the runs' ids); returns every run it touched, with its state after the merge.
 */
export async function upsertRunsAndAttempts(
  tx: Client,
  copy: boolean,
  runs: { jobId: number; row: RunRow }[],
  attempts: { jobId: number; row: AttemptRow }[],
  /** Date#toJSON, or a faster one that gives the same text (the batch's event times are written already). */
  time: (d: Date | null | undefined) => string | null = toJson,
): Promise<StoredRun[]> {
  await stage(tx, copy, 'runs', (w) => {
    for (const { jobId, row: r } of runs) {
      w.row();
      w.text(String(jobId));
      w.text(r.runKey);
      w.text(r.externalId);
      w.text(num(r.attempt));
      w.text(r.state);
      w.text(time(r.stateAt));
      w.text(num(r.stateRank));
      w.text(time(r.scheduledAt));
      w.text(time(r.queuedAt));
      w.text(time(r.startedAt));
      w.text(time(r.endedAt));
      w.text(r.errorMessage);
      w.text(r.errorDetail);
      w.text(num(r.errorAttempt));
      w.text(r.parent?.namespace);
      w.text(r.parent?.name);
      w.text(r.parent?.runKey);
      w.text(JSON.stringify(r.facets));
      w.text(num(r.eventCount));
    }
  }, runs.length * 400);
  await stage(tx, copy, 'attempts', (w) => {
    attempts.forEach(({ jobId, row: a }, i) => {
      w.row();
      w.text(String(i));
      w.text(String(jobId));
      w.text(a.runKey);
      w.text(num(a.attempt));
      w.text(a.externalId);
      w.text(a.state);
      w.text(time(a.stateAt));
      w.text(num(a.stateRank));
      w.text(time(a.queuedAt));
      w.text(time(a.startedAt));
      w.text(time(a.endedAt));
      w.text(num(a.reportedDurationMs));
      w.text(a.errorMessage);
      w.text(a.errorDetail);
      w.text(a.errorLanguage);
    });
  }, attempts.length * 300);
  const result = await tx.query<StoredRun>(`with r as (${RUNS_FROM_STAGE}), a as (${ATTEMPTS_FROM_STAGE}) select id, job_id, run_key, state, attempts from r`);
  return result.rows;
}
