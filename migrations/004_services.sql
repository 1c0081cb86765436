-- Business services as their definitions were applied; every apply that changes one bumps its revision.
create table services (
  name       text primary key,
  definition jsonb not null,
  revision   integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
