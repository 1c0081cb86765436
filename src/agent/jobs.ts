/**
 * The queue's side of agent runs: drive a run, resume a run whose approval was decided, and hand
 * back to workers the runs nobody is on (found by the heal sweep: Postgres is the record, the
 * queue only wakes workers).
 */
import { jobCatalog, type JobHandlers } from '../queue/catalog.ts';
import type { AgentDeps } from './deps.ts';
import { driveAgentRun, failAgentRun, resumeAgentRun } from './run.ts';
import { strandedAgentRuns } from './sql.ts';

/** Queues the drive of a run. */
export async function enqueueAgentRun(deps: Pick<AgentDeps, 'queue'>, agentRunId: number, suffix = ''): Promise<void> {
  await deps.queue.enqueue('agent-run', { agentRunId }, { jobId: `agent-run:${agentRunId}${suffix}` });
}

/** Queues the resume of the run that waits on an approval (a no-op when none does). */
export async function enqueueAgentResume(deps: Pick<AgentDeps, 'queue'>, approvalId: number, suffix = ''): Promise<void> {
  await deps.queue.enqueue('agent-resume', { approvalId }, { jobId: `agent-resume:${approvalId}${suffix}` });
}

export function agentHandlers(deps: AgentDeps): Pick<JobHandlers, 'agent-run' | 'agent-resume'> {
  return {
    'agent-run': async ({ agentRunId }, ctx) => {
      const log = deps.log.child({ agentRunId, jobId: ctx.jobId });
      try {
        const r = await driveAgentRun(deps, agentRunId);
        log.info({ status: r.run?.status, outcome: r.run?.outcome }, `agent run ${r.kind}`);
      } catch (err) {
        // The thread keeps its checkpoints: a later try (or the sweep) carries on from the last one.
        if (ctx.attempt >= jobCatalog['agent-run'].attempts) await failAgentRun(deps, agentRunId, err instanceof Error ? err.message : String(err));
        throw err;
      }
    },
    'agent-resume': async ({ approvalId }, ctx) => {
      const r = await resumeAgentRun(deps, approvalId);
      deps.log.child({ approvalId, jobId: ctx.jobId }).info({ kind: r.kind, status: 'run' in r ? r.run?.status : undefined }, 'agent resume');
    },
  };
}

/** Queues again the runs nobody is on; returns how many. A new job id per round, as the heal sweep does. */
export async function sweepAgentRuns(deps: Pick<AgentDeps, 'pool' | 'queue' | 'clock'>, round: number): Promise<number> {
  const stranded = await strandedAgentRuns(deps.pool, deps.clock());
  for (const r of stranded) {
    if (r.status === 'awaiting_approval' && r.approval_id !== null) await enqueueAgentResume(deps, r.approval_id, `:sweep-${round}`);
    else await enqueueAgentRun(deps, r.id, `:sweep-${round}`);
  }
  return stranded.length;
}
