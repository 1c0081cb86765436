-- Sources, jobs, runs, their attempts, and the events they came from.

create table sources (
  name          text primary key,
  orchestrator  text not null,
  first_seen_at timestamptz not null default now()
);

-- Rows here are written once, never updated, so concurrent ingest batches never queue on them.
create table jobs (
  id            bigint generated always as identity primary key,
  namespace     text not null,
  name          text not null,
  source        text not null references sources (name),
  orchestrator  text not null,
  first_seen_at timestamptz not null default now(),
  unique (namespace, name)
);

-- One logical run of a job (a schedule slot or trigger); retries are its attempts.
create table runs (
  id               bigint generated always as identity primary key,
  job_id           bigint not null references jobs (id),
  run_key          text not null,
  external_id      text not null,          -- the source's id of the latest attempt
  attempts         integer not null,       -- highest attempt number seen
  state            text not null,
  state_at         timestamptz not null,   -- event time of the event that set the state
  state_rank       smallint not null,      -- breaks ties between events with the same time
  scheduled_at     timestamptz,
  queued_at        timestamptz,
  started_at       timestamptz,            -- first attempt's start
  ended_at         timestamptz,            -- latest attempt's end
  duration_ms      bigint generated always as (
                     (extract(epoch from (ended_at - started_at)) * 1000)::bigint) stored,
  error_message    text,
  error_detail     text,
  error_attempt    integer,
  parent_namespace text,
  parent_name      text,
  parent_run_key   text,
  facets           jsonb not null default '{}',
  event_count      integer not null default 0,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  unique (job_id, run_key)
) with (fillfactor = 80); -- room on each page for updates in place (START, then COMPLETE)
create index runs_state_idx on runs (state, id desc);
create index runs_job_idx on runs (job_id, id desc);
create index runs_parent_idx on runs (parent_namespace, parent_name, parent_run_key) where parent_run_key is not null;

create table run_attempts (
  run_id        bigint not null references runs (id),
  attempt       integer not null,
  external_id   text not null,
  state         text not null,
  state_at      timestamptz not null,
  state_rank    smallint not null,
  queued_at     timestamptz,
  started_at    timestamptz,
  ended_at      timestamptz,
  reported_duration_ms bigint,             -- what the source said, when it says
  duration_ms   bigint generated always as (
                  coalesce(reported_duration_ms,
                           (extract(epoch from (ended_at - started_at)) * 1000)::bigint)) stored,
  error_message text,
  error_detail  text,
  error_language text,
  primary key (run_id, attempt)
);

-- A payload as received, stored once however many events it held or how often it came.
-- `json`, not `jsonb`: it is kept for audit and replay, never queried into, and json is cheaper to write.
create table ingest_payloads (
  sha256      bytea primary key,
  source      text not null,
  orchestrator text not null,
  body        json not null,
  received_at timestamptz not null default now()
);

-- One thing a source said about a run attempt, normalized; the dedupe key makes ingest idempotent.
create table run_events (
  id           bigint generated always as identity primary key,
  dedupe_key   uuid not null unique,      -- 128 bits of sha-256 over source, job, run, attempt, type, time
  source       text not null,
  orchestrator text not null,
  job_id       bigint not null references jobs (id),
  run_key      text not null,
  attempt      integer not null,
  external_id  text not null,
  event_type   text not null,
  event_time   timestamptz not null,
  payload_sha256 bytea not null,
  normalized   json not null,             -- the rest of the event in Medic's words: times, duration, error, parent
  received_at  timestamptz not null default now()
);
create index run_events_run_idx on run_events (job_id, run_key, event_time);
