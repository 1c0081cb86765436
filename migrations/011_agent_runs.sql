-- Agent steps: one row per run of the diagnosis-and-remediation agent on an incident. The graph's
-- own state lives in LangGraph's checkpoint tables (schema `langgraph`, created by its saver's
-- setup at start-up); this row is what Medic reads: where the run stands, what it found and
-- proposed, and the budget it used.
create table agent_runs (
  id             bigint generated always as identity primary key,
  incident_id    bigint not null references incidents (id),
  run_id         bigint references runs (id),         -- the failed run the incident is about
  attempt        integer,
  -- The decision that asked for the run (a policy's run_agent); null when a person started it.
  -- Unique: a redelivered heal job starts one run, not two.
  trigger_decision_id uuid unique references decisions (id),
  agent          text not null,                       -- the prompt it runs (prompts/<agent>.v<n>.md)
  prompt_version integer not null,
  model          text not null,                       -- the model's name, or `planner` offline
  requested_by   text not null,
  status         text not null default 'running'
                 check (status in ('running', 'awaiting_approval', 'done', 'escalated', 'failed')),
  thread_id      text not null unique,                -- the checkpointer's thread
  budget         jsonb not null,                      -- {max_steps, max_tokens, wall_ms, wall_reason}
  used           jsonb not null default '{}',         -- {steps, tokens, model_calls, wall_ms}
  diagnosis      jsonb,                               -- hypotheses, ranked, with evidence
  proposal       jsonb,                               -- the action proposed, by whom, within which policy
  decision_id    uuid references decisions (id),      -- the decision the proposal was logged as
  approval_id    bigint references approvals (id),
  execution_id   bigint references executions (id),
  outcome        jsonb,                               -- how it ended: {kind, reason}
  lease_until    timestamptz,                         -- a worker is on it until then
  created_at     timestamptz not null,
  updated_at     timestamptz not null,
  finished_at    timestamptz
);
create index agent_runs_incident_idx on agent_runs (incident_id, id desc);
create index agent_runs_waiting_idx on agent_runs (approval_id) where status = 'awaiting_approval';
create index agent_runs_open_idx on agent_runs (lease_until) where status = 'running';

-- Every step of an agent run is in the audit log, under the run as its subject.
alter table audit_log add column agent_run_id bigint;
create index audit_agent_run_idx on audit_log (agent_run_id, id) where agent_run_id is not null;
