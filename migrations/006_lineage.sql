-- Job dependencies learned from ingest: the datasets each job reads and writes, and the edges
-- between jobs that they and the orchestrators' own declarations imply. Seen times are event
-- times, so replaying history moves them only where it tells something new.

-- Keyed by dataset first: a new writer or reader of a dataset looks up the other side by it.
create table job_datasets (
  dataset       text not null,   -- namespace/name, as OpenLineage names datasets
  direction     text not null check (direction in ('input', 'output')),
  job_id        bigint not null references jobs (id),
  first_seen_at timestamptz not null,
  last_seen_at  timestamptz not null,
  primary key (dataset, direction, job_id)
);
create index job_datasets_job_idx on job_datasets (job_id);

-- One row per way an edge was learned: `declared` when an orchestrator says the downstream job
-- waits for the upstream one, `dataset` (once per dataset) when the upstream job writes what the
-- downstream one reads.
create table job_edges (
  upstream_job_id   bigint not null references jobs (id),
  downstream_job_id bigint not null references jobs (id),
  via               text not null check (via in ('declared', 'dataset')),
  dataset           text,
  first_seen_at     timestamptz not null,
  last_seen_at      timestamptz not null,
  check (upstream_job_id <> downstream_job_id),
  check ((via = 'dataset') = (dataset is not null))
);
-- Downstream first: a service's closure walks from its terminal jobs upstream.
create unique index job_edges_key on job_edges (downstream_job_id, upstream_job_id, via, (coalesce(dataset, '')));
create index job_edges_upstream_idx on job_edges (upstream_job_id);
