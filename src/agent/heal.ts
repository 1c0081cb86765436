/**
 * The heal loop's `run_agent`: a policy decided that an agent step should look first. The run is
 * created once per decision (a redelivered analysis finds it) and queued; it proposes what to do
 * within what policies allow, and asks people where they must say yes.
 */
import { appendAudit } from '../approvals/audit.ts';
import type { RunAgentAction } from '../policies/action.ts';
import type { z } from 'zod';
import type { AgentDeps } from './deps.ts';
import { enqueueAgentRun } from './jobs.ts';
import { createAgentRun } from './run.ts';

export async function startAgentFromDecision(
  deps: AgentDeps,
  d: { decisionId: string; action: z.infer<typeof RunAgentAction>; policyId: string | null; reason: string; incidentId: number; runId: number; attempt: number; requestedBy: string },
): Promise<{ kind: 'agent'; agentRunId: number } | { kind: 'not-started'; reason: string }> {
  const started = await createAgentRun(deps, {
    incidentId: d.incidentId, runId: d.runId, attempt: d.attempt, agent: d.action.agent, maxSteps: d.action.max_steps,
    requestedBy: d.requestedBy, triggerDecisionId: d.decisionId,
  });
  const at = deps.clock();
  const ids = { incidentId: d.incidentId, decisionId: d.decisionId };
  if (started.kind === 'not_found' || started.kind === 'unknown_agent') {
    await appendAudit(deps.pool, { at, actor: d.requestedBy, kind: 'execution.not_executed', ...ids, detail: { reason: started.detail } });
    return { kind: 'not-started', reason: started.detail };
  }
  if (started.kind === 'created') {
    await appendAudit(deps.pool, { at, actor: d.requestedBy, kind: 'decision.taken', ...ids, agentRunId: started.agentRunId, detail: { policy_id: d.policyId, action: d.action, reason: d.reason } });
  }
  await enqueueAgentRun(deps, started.agentRunId);
  return { kind: 'agent', agentRunId: started.agentRunId };
}
