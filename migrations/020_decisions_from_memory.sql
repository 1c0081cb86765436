-- The decision endpoint keeps the guardrails' counters in memory and follows the store's changes
-- by when rows were written, not by the times they carry (a failure ingested late, a decision
-- asked about the past): each replica reads, a few times a second, what the others wrote since.
alter table decisions add column replica text;
alter table decisions add column logged_at timestamptz not null default now();
-- How old the in-memory facts behind the decision were, in ms (null: read from the store).
alter table decisions add column facts_age_ms integer;
create index decisions_logged_idx on decisions (logged_at);

alter table incident_runs add column recorded_at timestamptz not null default now();
create index incident_runs_recorded_idx on incident_runs (recorded_at);

-- The log is written on the decision's path, and its bodies are a few kB of JSON: lz4 compresses
-- them several times faster than PostgreSQL's default. A build without lz4 keeps the default.
do $$ begin
  alter table decisions alter column input set compression lz4;
  alter table decisions alter column result set compression lz4;
exception when feature_not_supported then null;
end $$;
