-- Sizes of datasets as their writers reported them (OpenLineage outputStatistics, or the generic
-- event's outputs), one row per dataset, writing job and run: the history a preflight compares
-- today's input with.
create table dataset_stats (
  dataset     text not null,             -- namespace/name, as OpenLineage names datasets
  job_id      bigint not null references jobs (id),
  run_key     text not null,
  row_count   bigint,
  bytes       bigint,
  observed_at timestamptz not null,      -- the event time of the run's completion
  primary key (dataset, job_id, run_key)
);
create index dataset_stats_recent_idx on dataset_stats (dataset, observed_at desc);
