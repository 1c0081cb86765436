-- The decisions something must follow: a gated one opens an approval request, one of the heal
-- loop's is carried out. Both happen after the decision is logged; a process killed in between
-- leaves a decision without its follow-up, which the heal sweep finds through this index and
-- completes (src/remediation/recover.ts). Partial, so the sweep reads only these few rows.
create index decisions_followup_idx on decisions (logged_at)
  where enforced and not degraded and (requires_approval or (input->>'requester') = 'medic');

-- Failed attempts by when they failed: the heal sweep finds recent ones whose analysis job was
-- lost (a queue that was down when they were stored, a process killed between the two) and
-- queues them again (src/incidents/unanalysed.ts).
create index run_attempts_failed_idx on run_attempts (state_at) where state in ('failed', 'aborted');
