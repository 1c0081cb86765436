-- Whether a dataset version looks complete, judged when it is ingested: the row count its writer
-- expected (Medic's `completeness` OpenLineage facet, the generic event's `expectedRows`), the
-- quality metrics it reported, and the judgment of its size against the versions before it.
alter table dataset_stats
  add column expected_rows bigint,
  -- fileCount and per-column metrics as reported; ingest keeps finite numbers only and at most 200
  -- columns of 20 quantiles, so a row stays a few hundred kilobytes at worst.
  add column quality jsonb,
  -- Short or large against its history, or under its expected count: what an operator looks at first.
  add column suspect boolean not null default false,
  -- { verdict, unit, median, z, share, basis: weekday | recent, n, detail }: null for a version
  -- written before this migration, which was never judged.
  add column assessment jsonb;

-- A trace looks up what each run of a service instance wrote.
create index dataset_stats_run_idx on dataset_stats (job_id, run_key);
-- The recent versions across datasets, and the suspect ones among them (few: a partial index).
create index dataset_stats_time_idx on dataset_stats (observed_at desc);
create index dataset_stats_suspect_idx on dataset_stats (observed_at desc) where suspect;

-- What a reader reported about its input when it read it (OpenLineage `inputStatistics` and
-- `dataQualityMetrics` input facets, the generic event's inputs), one row per dataset, reading job
-- and run: what a run met, beside what the writer said it left.
create table dataset_reads (
  dataset     text not null,             -- namespace/name, as OpenLineage names datasets
  job_id      bigint not null references jobs (id),
  run_key     text not null,
  row_count   bigint,
  bytes       bigint,
  quality     jsonb,
  observed_at timestamptz not null,      -- the event time of the latest event that reported it
  primary key (dataset, job_id, run_key)
);
-- The primary key serves a dataset's readers; a trace looks up what one run read.
create index dataset_reads_run_idx on dataset_reads (job_id, run_key);
create index dataset_reads_recent_idx on dataset_reads (dataset, observed_at desc);
