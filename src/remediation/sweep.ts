/**
 * The heal sweep, run every `MEDIC_HEAL_SWEEP_SECONDS` by whichever worker the queue gives it:
 * Postgres is the system of record, the queue only a way to wake workers. A job lost with a
 * Redis that kept nothing, or held by a worker that died, is found here and queued again —
 * harmless, since only one claim of an execution can succeed.
 */
import { lapseApprovals } from '../approvals/sql.ts';
import type { Deps } from '../deps.ts';
import { sweepAgentRuns } from '../agent/jobs.ts';
import { requeueUnanalysed } from '../incidents/unanalysed.ts';
import { enqueueExecution } from './execute.ts';
import { graceMsOf, recoverDecisions, type RecoverDeps } from './recover.ts';
import { strandedExecutions } from './execute-sql.ts';
import { expireOverdue, verifyJob } from './verify.ts';

export type SweepDeps = Pick<Deps, 'pool' | 'queue' | 'clock' | 'config' | 'log' | 'policies' | 'notifier'> & RecoverDeps;

export interface SweepReport {
  /** Approvals expired or escalated. */
  lapsed: number;
  /** Executions queued again. */
  requeued: number;
  verified: number;
  expired: number;
  /** Logged decisions whose approval request or execution a crash lost, followed up now. */
  recovered: number;
  /** Stored failures whose analysis job was lost, queued again. */
  reanalysed: number;
}

/** A pending execution untouched this long has lost its job (two sweeps, at least a second). */
export const idleMsOf = (sweepMs: number) => Math.max(1_000, 2 * sweepMs);

export async function healSweep(deps: SweepDeps): Promise<SweepReport> {
  const now = deps.clock();
  // First: a recovered decision's execution is then queued by this same sweep's other steps if need be.
  const recovered = await recoverDecisions(deps);
  // The same grace as a decision's follow-up: both are work the request that stored it is usually still doing.
  const reanalysed = await requeueUnanalysed(deps, graceMsOf(deps.config.healSweepMs));
  const lapsed = await lapseApprovals(deps.pool, now);
  for (const l of lapsed) await deps.notifier.publish({ kind: 'approval.lapsed', approvalId: l.approval_id });
  const idleMs = idleMsOf(deps.config.healSweepMs);
  const stranded = await strandedExecutions(deps.pool, idleMs, now);
  // A new job id per round: BullMQ keeps finished jobs for an hour and would ignore the same id.
  const round = Math.floor(Date.now() / idleMs);
  for (const s of stranded) await enqueueExecution(deps, s.id, 0, `:sweep-${s.attempts}-${round}`);
  // Agent runs too: waiting on a request that was decided elsewhere (the CLI) or lapsed, or left by a dead worker.
  const agents = await sweepAgentRuns(deps, round);
  const verified = await verifyJob(deps, null);
  const expired = await expireOverdue(deps);
  if (reanalysed > 0) deps.log.warn({ failures: reanalysed }, 'failures stored without their analysis were queued again');
  if (stranded.length > 0) deps.log.warn({ executions: stranded.map((s) => s.id) }, 'executions no worker was on were queued again');
  if (agents > 0) deps.log.info({ agentRuns: agents }, 'agent runs handed back to workers');
  return { lapsed: lapsed.length, requeued: stranded.length, verified, expired, recovered: recovered.length, reanalysed };
}
