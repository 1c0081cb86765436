-- The forecast history the SLA board draws: one point per service instance per forecast moment,
-- appended by `saveForecast` (the sweep) at most once a minute per instance and kept 35 days.
create table forecast_points (
  service      text not null references services (name) on delete cascade,
  instance_key text not null,
  at           timestamptz not null,               -- when the forecast was made
  deadline     timestamptz not null,
  p_breach     double precision not null,
  p10          timestamptz not null,               -- finish-time quantiles of that forecast
  p50          timestamptz not null,
  p90          timestamptz not null,
  primary key (service, instance_key, at)
);
-- Pruning looks for a service's oldest points; the primary key leads with the instance instead.
create index forecast_points_age_idx on forecast_points (service, at);

-- What the board shows of the latest forecast beyond the columns above (fan, critical path,
-- criticality, time to act, at-risk flag, summary, downstream impact, instance start); null for
-- forecasts saved before this migration.
alter table service_forecasts add column detail jsonb;
-- When the current instance last got a point. Replicas sweeping together update this row one
-- after the other, so it is where "a point at most once a minute" is decided.
alter table service_forecasts add column point_at timestamptz;
