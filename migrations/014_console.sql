-- The web console: people's sessions, the keys that sign its cookies, votes cast from it, and
-- the index its "now" page reads open incidents through.

-- A session is found by the hash of its cookie, so a leaked table grants no one a session.
create table console_sessions (
  id_hash     bytea primary key,
  person      jsonb not null,               -- who: name, scopes, groups, email, how they signed in
  created_at  timestamptz not null default now(),
  expires_at  timestamptz not null
);
create index console_sessions_expiry_idx on console_sessions (expires_at);

-- Secrets made once by the first process that needs them and shared by every replica.
create table console_keys (
  name        text primary key,
  secret      bytea not null,
  created_at  timestamptz not null default now()
);

-- Votes from the console say so; 'console' was reserved for it and never written.
alter table approval_votes drop constraint approval_votes_via_check;
alter table approval_votes add constraint approval_votes_via_check check (via in ('api', 'cli', 'slack', 'web'));

create index incidents_recent_open_idx on incidents (last_seen_at desc) where status not in ('resolved', 'closed');
