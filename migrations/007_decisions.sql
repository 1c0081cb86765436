-- The decision log: every evaluation of the policies, with its input, result and policy revision.
-- Append-only: a trigger refuses updates and deletes, so the log can be trusted as an audit trail.
create table decisions (
  id              uuid primary key,
  kind            text not null check (kind in ('failure', 'preflight')),
  job             text not null,             -- namespace/name
  run_key         text,
  attempt         integer,
  fingerprint     text,                      -- the failure's signature fingerprint
  signature_id    bigint,
  policy_id       text,                      -- the deciding policy; null when none matched
  action          text not null,
  -- False when the action is not to be carried out: a degraded answer (the safe default).
  enforced        boolean not null,
  budget_key      text,
  requires_approval boolean not null,
  degraded        boolean not null default false,
  policy_revision text not null,
  input           json not null,
  result          json not null,
  created_at      timestamptz not null
);
create index decisions_created_idx on decisions (created_at desc);
create index decisions_budget_idx on decisions (policy_id, budget_key, created_at) where budget_key is not null;
create index decisions_storm_idx on decisions (fingerprint, created_at) where fingerprint is not null;
create index decisions_job_idx on decisions (job, created_at desc);

create function medic_append_only() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only', tg_table_name using errcode = '42501';
end $$;
create trigger decisions_append_only before update or delete on decisions
  for each row execute function medic_append_only();

-- The latest forecast of every service, as the sweep made it: the decision endpoint reads the
-- SLA situation from here rather than forecasting on the request path.
create table service_forecasts (
  service      text primary key references services (name) on delete cascade,
  instance_key text not null,
  at           timestamptz not null,
  deadline     timestamptz not null,
  p_breach     double precision not null,
  slack_ms     bigint not null,
  eta_p50      timestamptz not null,
  jobs         jsonb not null,               -- job → its expected end in this forecast
  downstream   jsonb not null,               -- [{service, deadline, medianLagMs}]
  updated_at   timestamptz not null default now()
);
