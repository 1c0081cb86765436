import type { Queryable } from '../db/pool.ts';
import type { DecisionResult } from '../decide/result.ts';
import type { DecisionInput } from '../decide/schema.ts';

/** A logged decision whose follow-up (approval request, execution, agent run) was never recorded. */
export interface OrphanDecision {
  id: string;
  input: DecisionInput;
  result: DecisionResult;
  signature_id: number | null;
  created_at: Date;
  logged_at: Date;
}

/**
 * Decisions logged between `from` and `to` that needed a follow-up and have none: every
 * follow-up writes an audit row naming its decision in the transaction that makes it, so no
 * audit row means nothing was made. The predicate matches `decisions_followup_idx`.
 */
export async function orphanDecisions(db: Queryable, from: Date, to: Date, limit: number): Promise<OrphanDecision[]> {
  const r = await db.query<OrphanDecision>(
    `select d.id, d.input, d.result, d.signature_id, d.created_at, d.logged_at
       from decisions d
      where d.logged_at >= $1 and d.logged_at < $2
        and d.enforced and not d.degraded and (d.requires_approval or (d.input->>'requester') = 'medic')
        and not exists (select 1 from audit_log a where a.decision_id = d.id)
      order by d.logged_at
      limit $3`,
    [from.toISOString(), to.toISOString(), limit],
  );
  return r.rows;
}
