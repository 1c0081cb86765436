import type { Queryable } from '../db/pool.ts';
import type { AuditKind } from '../approvals/schema.ts';
import type { AgentRunStatus, Budget, Used } from './schema.ts';

/** An agent run as stored (the `agent_runs` row). */
export interface AgentRunRow {
  id: number;
  incident_id: number;
  run_id: number | null;
  attempt: number | null;
  trigger_decision_id: string | null;
  agent: string;
  prompt_version: number;
  model: string;
  requested_by: string;
  status: AgentRunStatus;
  thread_id: string;
  budget: Budget;
  used: Partial<Used> & { wall_ms?: number };
  diagnosis: unknown;
  proposal: unknown;
  decision_id: string | null;
  approval_id: number | null;
  execution_id: number | null;
  outcome: unknown;
  lease_until: Date | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

export interface NewAgentRun {
  incidentId: number;
  runId: number | null;
  attempt: number | null;
  triggerDecisionId: string | null;
  agent: string;
  promptVersion: number;
  model: string;
  requestedBy: string;
  budget: Budget;
  at: Date;
}

/** Creates a run (once per triggering decision); its thread is named after its id. */
export async function insertAgentRun(db: Queryable, r: NewAgentRun): Promise<{ id: number; created: boolean }> {
  const made = await db.query<{ id: number }>(
    `insert into agent_runs (incident_id, run_id, attempt, trigger_decision_id, agent, prompt_version, model, requested_by, thread_id,
                             budget, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, 'agent-run-' || gen_random_uuid(), $9, $10, $10)
     on conflict (trigger_decision_id) do nothing returning id`,
    [r.incidentId, r.runId, r.attempt, r.triggerDecisionId, r.agent, r.promptVersion, r.model, r.requestedBy, JSON.stringify(r.budget), r.at.toISOString()],
  );
  const id = made.rows[0]?.id;
  if (id !== undefined) return { id, created: true };
  const found = await db.query<{ id: number }>('select id from agent_runs where trigger_decision_id = $1', [r.triggerDecisionId]);
  const existing = found.rows[0]?.id;
  if (existing === undefined) throw new Error('agent run neither inserted nor found');
  return { id: existing, created: false };
}

export async function getAgentRun(db: Queryable, id: number): Promise<AgentRunRow | undefined> {
  return (await db.query<AgentRunRow>('select * from agent_runs where id = $1', [id])).rows[0];
}

/** What a step changes on the row; absent fields stay. */
export interface RunPatch {
  status?: AgentRunStatus;
  budget?: Budget;
  used?: Used & { wall_ms: number };
  diagnosis?: unknown;
  proposal?: unknown;
  decisionId?: string;
  approvalId?: number;
  executionId?: number;
  outcome?: unknown;
  finished?: boolean;
}

export async function updateAgentRun(db: Queryable, id: number, p: RunPatch, at: Date): Promise<void> {
  const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
  await db.query(
    `update agent_runs set status = coalesce($2, status), used = coalesce($3::jsonb, used), diagnosis = coalesce($4::jsonb, diagnosis),
            proposal = coalesce($5::jsonb, proposal), decision_id = coalesce($6::uuid, decision_id), approval_id = coalesce($7, approval_id),
            execution_id = coalesce($8, execution_id), outcome = coalesce($9::jsonb, outcome), updated_at = $10,
            finished_at = case when $11 then $10 else finished_at end,
            lease_until = case when $11 or $2 = 'awaiting_approval' then null else lease_until end,
            budget = coalesce($12::jsonb, budget)
      where id = $1`,
    [id, p.status ?? null, json(p.used), json(p.diagnosis), json(p.proposal), p.decisionId ?? null, p.approvalId ?? null,
      p.executionId ?? null, json(p.outcome), at.toISOString(), p.finished ?? false, json(p.budget)],
  );
}

/**
 * Takes the run for one worker: a running run nobody holds (or whose holder's lease ran out), or
 * a waiting run whose approval was decided (then it runs again). Two workers never drive one thread.
 */
export async function claimAgentRun(db: Queryable, id: number, from: 'running' | 'awaiting_approval', leaseMs: number, now: Date): Promise<AgentRunRow | undefined> {
  const r = await db.query<AgentRunRow>(
    `update agent_runs set status = 'running', lease_until = $3::timestamptz + make_interval(secs => $4::float8 / 1000), updated_at = $3
      where id = $1 and status = $2 and (lease_until is null or lease_until < $3)
      returning *`,
    [id, from, now.toISOString(), leaseMs],
  );
  return r.rows[0];
}

/** Gives the run back without finishing it (the worker stops before the graph ends). */
export async function releaseAgentRun(db: Queryable, id: number): Promise<void> {
  await db.query('update agent_runs set lease_until = null where id = $1', [id]);
}

/** The waiting run of an approval, if an agent proposed it. */
export async function runAwaiting(db: Queryable, approvalId: number): Promise<{ id: number } | undefined> {
  const r = await db.query<{ id: number }>(`select id from agent_runs where approval_id = $1 and status = 'awaiting_approval'`, [approvalId]);
  return r.rows[0];
}

/**
 * What the heal sweep hands back to workers: waiting runs whose approval was decided or lapsed
 * (a vote cast from the CLI, a resume job lost with Redis), and running runs nobody holds.
 */
export async function strandedAgentRuns(db: Queryable, now: Date, limit = 100): Promise<{ id: number; approval_id: number | null; status: AgentRunStatus }[]> {
  const r = await db.query<{ id: number; approval_id: number | null; status: AgentRunStatus }>(
    `select g.id, g.approval_id, g.status from agent_runs g left join approvals a on a.id = g.approval_id
      where (g.status = 'awaiting_approval' and a.status <> 'pending')
         or (g.status = 'running' and (g.lease_until is null or g.lease_until < $1) and g.updated_at < $1::timestamptz - interval '30 seconds')
      order by g.id limit $2`,
    [now.toISOString(), limit],
  );
  return r.rows;
}

/** The incident an agent run works on: its latest failed attempt (or the one given), with its job and signature. */
export interface Subject {
  incidentId: number;
  signatureId: number;
  openedAt: string;
  runId: number;
  attempt: number;
  runKey: string;
  jobId: number;
  namespace: string;
  name: string;
  source: string;
  orchestrator: string;
}

export async function subjectOf(db: Queryable, incidentId: number, at?: { runId: number | null; attempt: number | null }): Promise<Subject | undefined> {
  const r = await db.query<Subject>(
    `select i.id as "incidentId", i.signature_id as "signatureId", i.opened_at as "openedAt", ir.run_id as "runId", ir.attempt,
            r.run_key as "runKey", j.id as "jobId", j.namespace, j.name, j.source, j.orchestrator
       from incidents i join incident_runs ir on ir.incident_id = i.id join runs r on r.id = ir.run_id join jobs j on j.id = ir.job_id
      where i.id = $1 and ($2::bigint is null or ir.run_id = $2) and ($3::int is null or ir.attempt = $3)
      order by ir.failed_at desc limit 1`,
    [incidentId, at?.runId ?? null, at?.attempt ?? null],
  );
  const s = r.rows[0];
  return s && { ...s, openedAt: new Date(s.openedAt).toISOString() };
}

/** The job's latest runs, newest first. */
export async function recentRuns(db: Queryable, jobId: number, limit: number): Promise<{ run_key: string; state: string; attempts: number; duration_ms: number | null; started_at: Date | null; error: string | null }[]> {
  const r = await db.query(
    `select run_key, state, attempts, duration_ms, started_at, left(error_message, 400) as error
       from runs where job_id = $1 order by id desc limit $2`,
    [jobId, limit],
  );
  return r.rows;
}

/** The steps of a run, oldest first, as the audit log keeps them. */
export async function agentSteps(db: Queryable, runId: number): Promise<{ id: number; at: Date; actor: string; kind: AuditKind; detail: Record<string, unknown> }[]> {
  const r = await db.query('select id, at, actor, kind, detail from audit_log where agent_run_id = $1 order by id', [runId]);
  return r.rows;
}

/** Runs of an incident, newest first. */
export async function agentRunsOf(db: Queryable, incidentId: number): Promise<AgentRunRow[]> {
  return (await db.query<AgentRunRow>('select * from agent_runs where incident_id = $1 order by id desc limit 50', [incidentId])).rows;
}
