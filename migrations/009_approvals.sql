-- Approvals, executions and what they taught: the gate between a decision and its action, the
-- exactly-once execution of approved (or ungated) actions, their verified outcomes, the proposals
-- to promote what keeps working, and an append-only audit log that tells the whole story.

-- One request for people to allow the action of one gated decision.
create table approvals (
  id             bigint generated always as identity primary key,
  decision_id    uuid not null unique references decisions (id),
  incident_id    bigint references incidents (id),
  run_id         bigint references runs (id),
  policy_id      text,
  action         jsonb not null,            -- the action as it stands (the latest version)
  action_version integer not null default 1,-- bumped by each modification; votes name the version
  target         jsonb,                     -- the resolved target; null when it could not be resolved
  requirement    jsonb not null,            -- {kind: one_of|quorum, groups, count?, separation_of_duties}
  requester      text,                      -- who or what asked (an orchestrator, medic, a person)
  proposed_by    text,                      -- the agent that proposed the action, when one did
  status         text not null default 'pending'
                 check (status in ('pending', 'approved', 'rejected', 'expired', 'escalated')),
  evidence       jsonb not null,
  dry_run        json not null,             -- json, not jsonb: the request as it would be sent, keys in order
  expires_at     timestamptz not null,
  -- Why it expires when it does: the TTL, or the last moment the action still helps an SLA.
  expiry_reason  text not null check (expiry_reason in ('ttl', 'sla')),
  useful_until   timestamptz,
  created_at     timestamptz not null,
  decided_at     timestamptz
);
create index approvals_status_idx on approvals (status, expires_at);
create index approvals_incident_idx on approvals (incident_id);

create table approval_votes (
  id             bigint generated always as identity primary key,
  approval_id    bigint not null references approvals (id),
  approver       text not null,
  verdict        text not null check (verdict in ('approve', 'reject')),
  reason         text,
  via            text not null check (via in ('api', 'cli', 'slack', 'console')),
  action_version integer not null,
  at             timestamptz not null,
  unique (approval_id, approver, action_version)
);

-- One execution per decision: the unique decision id is the exactly-once key. The state machine
-- pending → executing → executed | failed is driven by conditional updates; a lease lets another
-- worker take over from one that died, after asking the target whether the effect is there.
create table executions (
  id              bigint generated always as identity primary key,
  decision_id     uuid not null unique references decisions (id),
  approval_id     bigint references approvals (id),
  incident_id     bigint references incidents (id),
  signature_id    bigint references signatures (id),
  policy_id       text,
  job_id          bigint references jobs (id),
  run_id          bigint references runs (id),
  attempt         integer,                  -- the failed attempt the decision was about
  source          text not null,
  action          jsonb not null,
  target          jsonb,
  actor           text not null,            -- who allowed it: the approvers, or medic
  state           text not null default 'pending'
                  check (state in ('pending', 'executing', 'executed', 'failed')),
  not_before      timestamptz not null,     -- the action's delay
  lease_until     timestamptz,
  lease_token     uuid,
  attempts        integer not null default 0,
  sent_at         timestamptz,              -- set just before a call: a later claim must reconcile
  baseline        jsonb,                    -- the target as observed before the first call
  outcome         jsonb,
  verification    text check (verification in ('awaiting', 'succeeded', 'failed', 'expired')),
  verify_deadline timestamptz,
  executed_at     timestamptz,
  verified_at     timestamptz,
  created_at      timestamptz not null,
  updated_at      timestamptz not null default now()
);
create index executions_open_idx on executions (state, updated_at) where state in ('pending', 'executing');
create index executions_verify_idx on executions (job_id) where verification = 'awaiting';

-- What each executed action did to its signature: the learning behind success rates.
create table action_outcomes (
  execution_id       bigint primary key references executions (id),
  signature_id       bigint references signatures (id),
  incident_id        bigint references incidents (id),
  action             text not null,
  outcome            text not null check (outcome in ('success', 'failure')),
  time_to_recover_ms bigint,
  at                 timestamptz not null
);
create index action_outcomes_signature_idx on action_outcomes (signature_id, action);

create table audit_log (
  id           bigint generated always as identity primary key,
  at           timestamptz not null,
  actor        text not null,
  kind         text not null,              -- decision.taken, approval.requested, execution.sent …
  incident_id  bigint,
  decision_id  uuid,
  approval_id  bigint,
  execution_id bigint,
  detail       jsonb not null default '{}'
);
create index audit_incident_idx on audit_log (incident_id, id) where incident_id is not null;
create index audit_decision_idx on audit_log (decision_id, id) where decision_id is not null;
create index audit_approval_idx on audit_log (approval_id, id) where approval_id is not null;
create index audit_execution_idx on audit_log (execution_id, id) where execution_id is not null;
create trigger audit_log_append_only before update or delete on audit_log
  for each row execute function medic_append_only();

-- A proposal to let an action that keeps working on a signature run without approval: a policy
-- for people to review and apply through git, never applied by Medic.
create table policy_proposals (
  id           bigint generated always as identity primary key,
  signature_id bigint not null references signatures (id),
  action       text not null,
  policy_id    text not null,               -- the gated policy it would outrank
  evidence     jsonb not null,
  yaml         text not null,
  status       text not null default 'open' check (status in ('open', 'dismissed', 'applied-elsewhere')),
  created_at   timestamptz not null,
  unique (signature_id, action, policy_id)
);
