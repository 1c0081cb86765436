/**
 * Every step of an agent run goes to the audit log under the run: its node, a summary of what it
 * read, who decided (the model by name, or the planner), the prompt and its version, the tool
 * calls with their verdicts, what it produced, the tokens it cost and how long it took. The run's
 * row is brought up to date in the same transaction.
 */
import { appendAudit } from '../approvals/audit.ts';
import type { AuditKind } from '../approvals/schema.ts';
import { withTransaction } from '../db/pool.ts';
import type { AgentDeps } from './deps.ts';
import type { Used } from './schema.ts';
import { updateAgentRun, type RunPatch } from './sql.ts';
import type { Step, ToolRecord } from './tools.ts';

export interface StepRecord {
  step: Step;
  /** `planner`, the model's name, or `medic` for steps no mind takes (the approval, the act). */
  by: string;
  /** `diagnose@1` when a prompt was used. */
  prompt: string | null;
  inputs: Record<string, unknown>;
  toolCalls: ToolRecord[];
  outputs: Record<string, unknown>;
  tokens: { prompt: number; completion: number } | null;
  durationMs: number;
}

/** The actor name of a run: the requester of its approvals, never one of their approvers. */
export const agentActor = (agent: string, runId: number) => `agent:${agent}#${runId}`;

/** Appends a step (or another agent event) and updates the run's row with it. */
export async function recordStep(
  deps: Pick<AgentDeps, 'pool' | 'clock'>,
  run: { agentRunId: number; actor: string; incidentId: number; used: Used; startedAt: number },
  kind: AuditKind, detail: Record<string, unknown>, patch: RunPatch = {},
): Promise<void> {
  const at = deps.clock();
  const used = { ...run.used, wall_ms: Math.max(0, at.getTime() - run.startedAt) };
  await withTransaction(deps.pool, async (tx) => {
    await appendAudit(tx, { at, actor: run.actor, kind, incidentId: run.incidentId, agentRunId: run.agentRunId, detail });
    await updateAgentRun(tx, run.agentRunId, { used, ...patch }, at);
  });
}

/** The audit detail of a step. */
export function stepDetail(r: StepRecord, used: Used): Record<string, unknown> {
  return {
    step: r.step, by: r.by, prompt: r.prompt, inputs: r.inputs, tool_calls: r.toolCalls, outputs: r.outputs,
    tokens: r.tokens, cost: { tokens: r.tokens ? r.tokens.prompt + r.tokens.completion : 0, steps_so_far: used.steps }, duration_ms: Math.round(r.durationMs),
  };
}
