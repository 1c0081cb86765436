import type { Queryable } from '../../db/pool.ts';

/** What one decision led to: the approval it asked for, the execution it made, the agent run it started. */
export interface DecisionConsequences {
  approval: { id: number; status: string } | null;
  execution: { id: number; state: string; verification: string | null } | null;
  agentRun: { id: number; incident_id: number; status: string } | null;
}

/** Each is found by its unique decision id, so this is three index lookups. */
export async function consequencesOf(db: Queryable, decisionId: string): Promise<DecisionConsequences> {
  const r = await db.query<DecisionConsequences>(
    `select (select json_build_object('id', a.id, 'status', a.status) from approvals a where a.decision_id = $1) as approval,
            (select json_build_object('id', e.id, 'state', e.state, 'verification', e.verification) from executions e where e.decision_id = $1) as execution,
            (select json_build_object('id', g.id, 'incident_id', g.incident_id, 'status', g.status) from agent_runs g where g.trigger_decision_id = $1) as "agentRun"`,
    [decisionId],
  );
  return r.rows[0] ?? { approval: null, execution: null, agentRun: null };
}
