/**
 * Starting and driving agent runs. A run is a row (`agent_runs`) and a LangGraph thread: the row
 * says where it stands, the thread's checkpoints hold its state. One worker drives a thread at a
 * time (it claims the row under a lease); whatever it finds in the thread — nothing yet, a step
 * cut short by a crash, a wait for approval that was answered — it carries on from there.
 */
import { getApproval } from '../approvals/sql.ts';
import { agentActor, recordStep } from './audit.ts';
import { budgetOf } from './budget.ts';
import type { AgentDeps } from './deps.ts';
import { NO_USE } from './schema.ts';
import { newBoundary } from './secrets.ts';
import { claimAgentRun, getAgentRun, insertAgentRun, releaseAgentRun, runAwaiting, subjectOf, updateAgentRun, type AgentRunRow } from './sql.ts';

export interface StartRequest {
  incidentId: number;
  /** The failed attempt to work on; the incident's latest when absent. */
  runId?: number | null;
  attempt?: number | null;
  /** The prompt to run. @defaultValue diagnose */
  agent?: string;
  /** @defaultValue 8 */
  maxSteps?: number;
  requestedBy: string;
  /** The decision (a policy's `run_agent`) that asked for the run: one run per decision. */
  triggerDecisionId?: string | null;
}

export type StartOutcome =
  | { kind: 'created' | 'exists'; agentRunId: number }
  | { kind: 'not_found'; detail: string }
  | { kind: 'unknown_agent'; detail: string };

/** A worker's hold on a run, past which another may carry it on; the wall-time budget plus room to act. */
const leaseMsOf = (deps: Pick<AgentDeps, 'config'>) => deps.config.agent.maxWallMs + 5 * 60_000;

/** Creates a run (not driven yet: `driveAgentRun` or the `agent-run` job does that). */
export async function createAgentRun(deps: AgentDeps, r: StartRequest): Promise<StartOutcome> {
  const agent = r.agent ?? 'diagnose';
  const prompt = deps.agent.prompts.get(agent);
  if (!prompt) return { kind: 'unknown_agent', detail: `no prompt "${agent}" in prompts/ (known: ${[...deps.agent.prompts.keys()].join(', ')})` };
  const subject = await subjectOf(deps.pool, r.incidentId, { runId: r.runId ?? null, attempt: r.attempt ?? null });
  if (!subject) return { kind: 'not_found', detail: `incident ${r.incidentId} does not exist or has no failed run` };
  const at = deps.clock();
  const model = deps.agent.model?.name ?? 'planner';
  const budget = budgetOf({ maxSteps: r.maxSteps ?? 8, maxTokens: deps.config.agent.maxTokens, maxWallMs: deps.config.agent.maxWallMs }, null);
  const made = await insertAgentRun(deps.pool, {
    incidentId: subject.incidentId, runId: subject.runId, attempt: subject.attempt, triggerDecisionId: r.triggerDecisionId ?? null, agent,
    promptVersion: prompt.version, model, requestedBy: r.requestedBy, budget, at,
  });
  if (made.created) {
    const run = { agentRunId: made.id, actor: agentActor(agent, made.id), incidentId: subject.incidentId, used: NO_USE, startedAt: at.getTime() };
    await recordStep(deps, run, 'agent.started', { requested_by: r.requestedBy, agent, prompt: `${agent}@${prompt.version}`, model, budget, trigger_decision_id: r.triggerDecisionId ?? null });
  }
  return { kind: made.created ? 'created' : 'exists', agentRunId: made.id };
}

/** Where a run stands after a worker drove it. */
export type DriveOutcome = { kind: 'driven'; run: AgentRunRow } | { kind: 'busy'; run: AgentRunRow | undefined };

/** Drives a running run (from its start, or on from its last checkpoint) until it ends or waits for people. */
export async function driveAgentRun(deps: AgentDeps, id: number): Promise<DriveOutcome> {
  const row = await claimAgentRun(deps.pool, id, 'running', leaseMsOf(deps), deps.clock());
  if (!row) return { kind: 'busy', run: await getAgentRun(deps.pool, id) };
  return drive(deps, row);
}

/** Resumes the run waiting on `approvalId`, once that request is decided (or lapsed); nothing when no run waits on it. */
export async function resumeAgentRun(deps: AgentDeps, approvalId: number): Promise<DriveOutcome | { kind: 'nothing'; detail: string }> {
  const waiting = await runAwaiting(deps.pool, approvalId);
  if (!waiting) return { kind: 'nothing', detail: `no agent run waits on approval ${approvalId}` };
  const approval = await getApproval(deps.pool, approvalId);
  if (approval?.status === 'pending') return { kind: 'nothing', detail: `approval ${approvalId} is still pending` };
  const row = await claimAgentRun(deps.pool, waiting.id, 'awaiting_approval', leaseMsOf(deps), deps.clock());
  if (!row) return { kind: 'busy', run: await getAgentRun(deps.pool, waiting.id) };
  return drive(deps, row);
}

async function drive(deps: AgentDeps, row: AgentRunRow): Promise<DriveOutcome> {
  // LangGraph loads with the first run, not with the process.
  const [{ Command }, { buildAgentGraph }, checkpointer] = await Promise.all([import('@langchain/langgraph'), import('./graph.ts'), deps.agent.checkpointer()]);
  const graph = buildAgentGraph(deps, checkpointer);
  const config = { configurable: { thread_id: row.thread_id }, recursionLimit: row.budget.maxSteps * 3 + 20 };
  try {
    const before = await graph.getState(config);
    const fresh = Object.keys(before.values as object).length === 0;
    const waiting = before.tasks.some((t) => t.interrupts.length > 0);
    if (fresh) {
      const subject = await subjectOf(deps.pool, row.incident_id, { runId: row.run_id, attempt: row.attempt });
      if (!subject) throw new Error(`incident ${row.incident_id} lost its failed run`);
      await graph.invoke({
        agentRunId: row.id, actor: agentActor(row.agent, row.id), agent: row.agent, subject, maxSteps: row.budget.maxSteps,
        startedAt: deps.clock().getTime(), boundary: newBoundary(),
      }, config);
    } else if (waiting && row.approval_id !== null) {
      await graph.invoke(new Command({ resume: { approvalId: row.approval_id } }), config);
    } else {
      await graph.invoke(null, config);
    }
    // A run that stopped at its interrupt waits for people, whichever way it got there.
    const after = await graph.getState(config);
    if (after.tasks.some((t) => t.interrupts.length > 0)) await updateAgentRun(deps.pool, row.id, { status: 'awaiting_approval' }, deps.clock());
  } finally {
    await releaseAgentRun(deps.pool, row.id);
  }
  return { kind: 'driven', run: (await getAgentRun(deps.pool, row.id)) ?? row };
}

/** Marks a run failed (a bug or an outage outlasted its retries); its thread stays for a person to look at. */
export async function failAgentRun(deps: Pick<AgentDeps, 'pool' | 'clock'>, id: number, detail: string): Promise<void> {
  await updateAgentRun(deps.pool, id, { status: 'failed', outcome: { kind: 'failed', detail }, finished: true }, deps.clock());
}
