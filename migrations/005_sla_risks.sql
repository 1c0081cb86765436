-- SLA risks raised from forecasts: one row per service instance, raised once and then updated.
create table sla_risks (
  id           bigint generated always as identity primary key,
  service      text not null references services (name),
  instance_key text not null,
  status       text not null default 'open' check (status in ('open', 'cleared')),
  p_breach     double precision not null,
  eta_p50      timestamptz not null,
  eta_p90      timestamptz not null,
  deadline     timestamptz not null,
  summary      text not null,
  forecast     jsonb not null,
  raised_at    timestamptz not null default now(),
  updated_at   timestamptz not null default now(),
  unique (service, instance_key)
);
create index sla_risks_open_idx on sla_risks (status, updated_at desc);
