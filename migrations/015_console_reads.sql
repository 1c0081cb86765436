-- Indexes behind the console's incident, decision, approval and audit pages (and the API reads
-- they share), so that each page reads a few index ranges however large the store grows.

-- An incident's latest failures first (its timeline, `incidentRuns`, the agent's subject): a
-- storm holds thousands. It serves every lookup by incident the older index did.
create index incident_runs_incident_failed_idx on incident_runs (incident_id, failed_at desc);
drop index incident_runs_incident_idx;

-- Incidents newest first by signature (resolution history, similar incidents) and by job; a job
-- named as people write it (`namespace/name`) found at once.
create index incidents_signature_id_idx on incidents (signature_id, id desc);
create index incidents_job_id_idx on incidents (job_id, id desc);
create index jobs_path_idx on jobs ((namespace || '/' || name));

-- Executions of an incident (its page, its audit story) and of an approval.
create index executions_incident_idx on executions (incident_id, id desc) where incident_id is not null;
create index executions_approval_idx on executions (approval_id) where approval_id is not null;

-- The decision log filtered by policy or by result, newest first. Two indexes, not three: every
-- decision writes each of them, and a policy's decisions filtered by result read its range.
create index decisions_policy_idx on decisions (policy_id, created_at desc) where policy_id is not null;
create index decisions_action_idx on decisions (action, created_at desc);

-- Approvals of one status in id order: the pending queue oldest first, the record newest first.
create index approvals_status_id_idx on approvals (status, id);
