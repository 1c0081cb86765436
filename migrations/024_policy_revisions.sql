-- Policy sets promoted through `medic policies apply` (or POST /v1/policies/revisions), and which
-- one the servers run. Both tables are append-only, like the decision log: a rollback is a new
-- activation of an earlier revision, and the record of what ran when is never rewritten.
create table policy_revisions (
  -- The set's content hash (the revision a loaded set reports): the same files, the same id,
  -- and the id decisions.policy_revision carries.
  id            text primary key,
  -- In the order stored, for pages and ?before= of the list.
  number        bigserial not null unique,
  files         jsonb not null,              -- [{name, text}] as applied, sorted by name
  policy_ids    text[] not null,             -- in evaluation order
  author        text,
  source_commit text,
  message       text,
  applied_at    timestamptz not null default now(),
  applied_by    text not null               -- the token's name, or the CLI's user
);
create trigger policy_revisions_append_only before update or delete on policy_revisions
  for each row execute function medic_append_only();

-- The newest row names the active revision. Rows are written under one advisory lock, so their
-- ids follow commit order and every replica that reads the newest one agrees on it.
create table policy_activations (
  id            bigserial primary key,
  revision_id   text not null references policy_revisions (id),
  kind          text not null check (kind in ('apply', 'activate')),
  activated_at  timestamptz not null default now(),
  activated_by  text not null,
  message       text
);
create index policy_activations_revision_idx on policy_activations (revision_id, id desc);
create trigger policy_activations_append_only before update or delete on policy_activations
  for each row execute function medic_append_only();
