-- Failure signatures (masked templates with their embeddings), the miner's persisted state,
-- incidents and how they were resolved.

-- Which embedder produced the vectors in signatures.embedding; `medic reindex` re-embeds on change.
create table embedder_state (
  singleton  boolean primary key default true check (singleton),
  embedder   text not null,
  dimensions integer not null,
  updated_at timestamptz not null default now()
);

-- The template miner's state, so that cluster ids survive restarts; `version` tells other
-- processes that their copy is stale.
create table miner_state (
  singleton  boolean primary key default true check (singleton),
  version    bigint not null,
  state      jsonb not null,
  updated_at timestamptz not null default now()
);

create table signatures (
  id             bigint generated always as identity primary key,
  fingerprint    text not null unique,     -- hash of exception type + template + top frame
  cluster_id     text not null,            -- the miner's cluster id of the message
  template       text not null,
  exception_type text,
  language       text,
  top_frames     jsonb not null default '[]',
  sample         text not null,            -- one raw message, for people
  embedding      halfvec(256),             -- 16-bit floats: half the index, the same neighbours
  occurrences    integer not null default 0,
  first_seen_at  timestamptz not null,
  last_seen_at   timestamptz not null
);
create index signatures_embedding_idx on signatures using hnsw (embedding halfvec_cosine_ops);

create table incidents (
  id             bigint generated always as identity primary key,
  signature_id   bigint not null references signatures (id),
  job_id         bigint not null references jobs (id),  -- the job it first struck
  kind           text not null default 'single' check (kind in ('single', 'storm')),
  status         text not null default 'open'
                 check (status in ('open', 'proposed', 'approved', 'executing', 'resolved', 'closed')),
  title          text not null,
  occurrences    integer not null default 0,
  jobs_affected  integer not null default 1,
  opened_at      timestamptz not null,
  last_seen_at   timestamptz not null,
  closed_at      timestamptz
);
create index incidents_open_idx on incidents (signature_id, job_id) where status not in ('resolved', 'closed');
create index incidents_job_open_idx on incidents (job_id) where status not in ('resolved', 'closed');
create index incidents_signature_idx on incidents (signature_id, opened_at desc);

-- Each failed attempt belongs to one incident; the key makes a redelivered analysis a no-op.
create table incident_runs (
  run_id      bigint not null references runs (id),
  attempt     integer not null,
  incident_id bigint not null references incidents (id),
  job_id      bigint not null references jobs (id),
  failed_at   timestamptz not null,
  primary key (run_id, attempt)
);
create index incident_runs_incident_idx on incident_runs (incident_id);
create index incident_runs_failed_idx on incident_runs (failed_at);

create table resolutions (
  incident_id       bigint primary key references incidents (id),
  action            text not null,          -- retry, rerun, next_run, manual_fix, noise …
  detail            text,                   -- e.g. "after 5 min"
  actor             text not null,          -- who or what: a user, an orchestrator, a policy
  outcome           text not null check (outcome in ('success', 'failure', 'noise')),
  time_to_recover_ms bigint,
  resolved_at       timestamptz not null,
  run_id            bigint references runs (id)
);
create index resolutions_action_idx on resolutions (action);
