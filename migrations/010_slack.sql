-- Slack: the message Medic keeps per subject (an incident, an approval without one, an SLA risk),
-- updated in place as things happen; the thread replies already posted under it; and the signed
-- requests already seen, so that a captured request cannot be replayed against any replica.

create table slack_messages (
  subject     text primary key,            -- 'incident:12', 'approval:7', 'risk:finance-close:2026-11-24'
  channel     text not null,               -- as routed until posted, then the channel id Slack answered
  ts          text,                        -- the message's timestamp (its id); null until it is posted
  digest      text,                        -- of the blocks last sent: an unchanged message is not updated
  -- One worker at a time talks to Slack about a subject: it holds the lease while it posts.
  lease_token uuid,
  lease_until timestamptz,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);

create table slack_replies (
  subject    text not null references slack_messages (subject),
  key        text not null,                -- 'audit:42', 'resolved', 'cleared'
  ts         text not null,
  created_at timestamptz not null default now(),
  primary key (subject, key)
);

-- A request is fresh for five minutes either side of its timestamp; a row is useless after that
-- and is purged by later inserts.
create table slack_requests (
  timestamp  bigint not null,              -- X-Slack-Request-Timestamp, seconds
  signature  text not null,                -- X-Slack-Signature
  seen_at    timestamptz not null default now(),
  primary key (timestamp, signature)
);
