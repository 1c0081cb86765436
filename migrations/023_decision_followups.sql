-- The decisions something must follow: a gated one opens an approval request, one of the heal
-- loop's is carried out. Both happen after the decision is logged; a process killed in between
-- leaves a decision without its follow-up, which the heal sweep finds through this index and
-- completes (src/remediation/recover.ts). Partial, so the sweep reads only these few rows.
create index decisions_followup_idx on decisions (logged_at)
  where enforced and not degraded and (requires_approval or (input->>'requester') = 'medic');
