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
 * Each way a step can belong is its own index lookup, so the log's size does not matter.
 */
export async function listAudit(db: Queryable, q: AuditQuery): Promise<AuditRow[]> {
  const r = await db.query<AuditRow>(
    `with related as (
       select a.decision_id, a.id as approval_id, null::bigint as execution_id from approvals a where a.incident_id = $1::bigint
       union all
       select e.decision_id, e.approval_id, e.id from executions e where e.incident_id = $1::bigint
     ), hits as (
       select id from audit_log where incident_id = $1::bigint
       union select id from audit_log where decision_id = $2::uuid
       union select id from audit_log where approval_id = $3::bigint
       union select id from audit_log where execution_id = $4::bigint
       union select l.id from related x join audit_log l on l.decision_id = x.decision_id
       union select l.id from related x join audit_log l on l.approval_id = x.approval_id
       union select l.id from related x join audit_log l on l.execution_id = x.execution_id
     )
     select l.id, l.at, l.actor, l.kind, l.incident_id, l.decision_id, l.approval_id, l.execution_id, l.detail
       from audit_log l
      where l.id in (select id from hits)
      order by l.id
      limit $5`,
    [q.incident ?? null, q.decision ?? null, q.approval ?? null, q.execution ?? null, q.limit],
  );
  return r.rows;
}
