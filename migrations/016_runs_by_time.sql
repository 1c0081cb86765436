-- A job's runs by the time they belong to (schedule slot, else start, else last event), as the SLA
-- reads take them: a service's last 30 or 90 days (`runsBefore`: the service page's history, the
-- forecaster's models) and the latest runs (`recentRuns`) read one index range per job instead of
-- every run the job ever had.
create index runs_job_time_idx on runs (job_id, (coalesce(scheduled_at, started_at, state_at)));
