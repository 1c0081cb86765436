/**
 * Verification and learning: after an execution, the target job's next attempt says whether the
 * action worked. Success resolves the incident with the action and its time to recover; failure,
 * or silence past the deadline, is recorded as a failure of the action on the signature. Either
 * way the outcome feeds the resolution statistics that similar incidents and policies read.
 */
import { appendAudit } from '../approvals/audit.ts';
import { considerPromotion } from '../approvals/proposals.ts';
import { withTransaction } from '../db/pool.ts';
import type { Deps } from '../deps.ts';
import { resolveIncident } from '../incidents/sql.ts';
import type { ExecutionRow } from './execute-sql.ts';
import { verdictOf } from './verify-rules.ts';
import { awaitingVerification, incidentStart, insertOutcome, markVerified, nextAttempt, overdueVerifications, type NextAttempt } from './verify-sql.ts';

export type VerifyDeps = Pick<Deps, 'pool' | 'clock' | 'log' | 'policies' | 'config' | 'notifier'>;

/** Judges the executions awaiting verification on `jobId` (every job when null) by the attempts stored since; returns how many it judged. */
export async function verifyJob(deps: VerifyDeps, jobId: number | null): Promise<number> {
  let judged = 0;
  for (const e of await awaitingVerification(deps.pool, jobId)) {
    const next = await nextAttempt(deps.pool, e);
    const verdict = next ? verdictOf(next.state) : undefined;
    if (!next || !verdict) continue;
    if (await record(deps, e, verdict, next)) judged += 1;
  }
  return judged;
}

/** Records as failed the executions whose target said nothing before the deadline. */
export async function expireOverdue(deps: VerifyDeps): Promise<number> {
  let expired = 0;
  for (const e of await overdueVerifications(deps.pool, deps.clock())) if (await record(deps, e, 'expired', null)) expired += 1;
  return expired;
}

async function record(deps: VerifyDeps, e: ExecutionRow, verdict: 'succeeded' | 'failed' | 'expired', next: NextAttempt | null): Promise<boolean> {
  const now = deps.clock();
  const start = e.incident_id === null ? undefined : await incidentStart(deps.pool, e.incident_id);
  const ttr = verdict === 'succeeded' && next ? Math.max(0, next.ended_at.getTime() - (start ?? e.executed_at ?? now).getTime()) : null;
  const ids = { incidentId: e.incident_id, decisionId: e.decision_id, approvalId: e.approval_id, executionId: e.id };
  const what = next ? `attempt ${next.attempt} of run ${next.run_id} ${next.state} at ${next.ended_at.toISOString()}` : `nothing ran before ${e.verify_deadline?.toISOString() ?? 'the deadline'}`;
  const done = await withTransaction(deps.pool, async (tx) => {
    if (!(await markVerified(tx, e.id, verdict, now))) return false;
    await insertOutcome(tx, {
      executionId: e.id, signatureId: e.signature_id, incidentId: e.incident_id, action: e.action.kind,
      outcome: verdict === 'succeeded' ? 'success' : 'failure', timeToRecoverMs: ttr, at: next?.ended_at ?? now,
    });
    await appendAudit(tx, { at: now, actor: 'medic', kind: `verification.${verdict}`, ...ids, detail: { detail: what, time_to_recover_ms: ttr } });
    if (verdict === 'succeeded' && next && e.incident_id !== null) {
      const resolved = await resolveIncident(tx, {
        incidentId: e.incident_id, action: e.action.kind, actor: e.actor, outcome: 'success', timeToRecoverMs: ttr,
        detail: `Medic executed the ${e.action.kind}${e.approval_id === null ? '' : ` approved by ${e.actor}`}; ${what}`,
        resolvedAt: next.ended_at, runId: next.run_id,
      });
      if (resolved) await appendAudit(tx, { at: now, actor: e.actor, kind: 'incident.resolved', ...ids, detail: { action: e.action.kind, time_to_recover_ms: ttr } });
    }
    return true;
  });
  if (done) await deps.notifier.publish({ kind: 'execution.verified', executionId: e.id });
  if (done && e.signature_id !== null && e.policy_id !== null) {
    await considerPromotion(deps, { signatureId: e.signature_id, action: e.action.kind, policyId: e.policy_id, ids });
  }
  return done;
}
