import type { Queryable } from '../db/pool.ts';
import type { AuditKind, AuditQuery } from './schema.ts';

/** One step in the story of an incident, as the audit log keeps it (append-only). */
export interface AuditEntry {
  at: Date;
  /** Who did it: a person, an orchestrator, a worker, or `medic`. */
  actor: string;
  kind: AuditKind;
  incidentId?: number | null;
  decisionId?: string | null;
  approvalId?: number | null;
  executionId?: number | null;
  /** The agent run the step belongs to (agent steps are recorded under their run). */
  agentRunId?: number | null;
  detail?: Record<string, unknown>;
}

export interface AuditRow {
  id: number;
  at: Date;
  actor: string;
  kind: AuditKind;
  incident_id: number | null;
  decision_id: string | null;
  approval_id: number | null;
  execution_id: number | null;
  detail: Record<string, unknown>;
}

/** Appends one step; pass the transaction client so the step commits with what it records. */
export async function appendAudit(db: Queryable, e: AuditEntry): Promise<void> {
  await db.query(
    `insert into audit_log (at, actor, kind, incident_id, decision_id, approval_id, execution_id, detail, agent_run_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [e.at.toISOString(), e.actor, e.kind, e.incidentId ?? null, e.decisionId ?? null, e.approvalId ?? null, e.executionId ?? null,
      JSON.stringify(e.detail ?? {}), e.agentRunId ?? null],
  );
}

/**
 * The steps about one subject, oldest first. An incident's story includes the steps of its
 * approvals and executions, and of the decisions they came from, whichever ids a step carries.
 */
export async function listAudit(db: Queryable, q: AuditQuery): Promise<AuditRow[]> {
  const r = await db.query<AuditRow>(
    `with subject as (
       select $1::bigint as incident, $2::uuid as decision, $3::bigint as approval, $4::bigint as execution
     ), related as (
       select a.decision_id, a.id as approval_id, null::bigint as execution_id from approvals a, subject s
        where a.incident_id = s.incident
       union all
       select e.decision_id, e.approval_id, e.id from executions e, subject s where e.incident_id = s.incident
     )
     select l.id, l.at, l.actor, l.kind, l.incident_id, l.decision_id, l.approval_id, l.execution_id, l.detail
       from audit_log l, subject s
      where l.incident_id = s.incident or l.decision_id = s.decision or l.approval_id = s.approval or l.execution_id = s.execution
         or (s.incident is not null and (l.decision_id in (select decision_id from related)
                                         or l.approval_id in (select approval_id from related where approval_id is not null)
                                         or l.execution_id in (select execution_id from related where execution_id is not null)))
      order by l.id
      limit $5`,
    [q.incident ?? null, q.decision ?? null, q.approval ?? null, q.execution ?? null, q.limit],
  );
  return r.rows;
}
