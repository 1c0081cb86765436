-- Sources Medic pulls history from (MEDIC_SOURCES): where each one's sync stands. The
-- configuration itself, credentials included, stays in the environment; only the cursor (the
-- puller's own JSON, never a credential), health and a lease live here, so a sync killed mid-way
-- resumes from its last stored page and two replicas never pull one source at once.
create table source_state (
  source text primary key,
  kind text not null,
  cursor jsonb,
  -- When the pass that stored the cursor started; the next incremental pass runs up to its own start.
  pass_started_at timestamptz,
  last_attempt_at timestamptz,
  last_success_at timestamptz,
  last_error text,
  last_error_at timestamptz,
  -- A refusal of the credentials: continuous sync leaves the source alone until it is synced by hand.
  stopped boolean not null default false,
  -- The newest event time pulled so far: lag is now minus this.
  newest_event_at timestamptz,
  items_pulled bigint not null default 0,
  pages_pulled bigint not null default 0,
  lease_owner text,
  lease_until timestamptz,
  updated_at timestamptz not null default now()
);

-- What a sync could not store: a malformed page (skipped, its cursor kept moving), a payload the
-- adapter refused, or a failed call. `at_page` says where, `field` the path into the payload.
create table source_errors (
  id bigserial primary key,
  source text not null,
  at timestamptz not null default now(),
  kind text not null check (kind in ('malformed', 'rejected', 'failed')),
  at_page text not null,
  field text,
  detail text not null
);
create index source_errors_by_source on source_errors (source, id desc);
