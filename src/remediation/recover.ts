/**
 * Decisions whose follow-up a crash lost. A gated decision is logged, then its approval request
 * is made; a heal-loop decision is logged, then its execution (or agent run) is made. A process
 * killed between the two leaves a logged decision that nobody acts on — and a redelivered
 * analysis will not decide again, since the decision exists. The heal sweep finds such
 * decisions (no audit row names them) and makes their follow-up, once: approvals, executions and
 * agent runs are each unique per decision.
 */
import { appendAudit } from '../approvals/audit.ts';
import { requestApproval } from '../approvals/request.ts';
import { incidentOfAttempt, runByKey } from '../approvals/sql.ts';
import { actOnDecision, MEDIC, type HealDeps } from './heal.ts';
import { orphanDecisions, type OrphanDecision } from './recover-sql.ts';

export type RecoverDeps = HealDeps;

/** What became of one recovered decision. */
export type Recovered =
  | { kind: 'approval'; decisionId: string; approvalId: number | null }
  | { kind: 'acted'; decisionId: string; outcome: string }
  | { kind: 'not-acted'; decisionId: string; reason: string };

/**
 * How long after its logging a decision's follow-up may still be on its way: the request that
 * logged it is usually done within milliseconds, and the uniqueness per decision makes a rare
 * overlap harmless. @defaultValue 5 s, or two sweeps when they are further apart
 */
export const graceMsOf = (sweepMs: number) => Math.max(5_000, 2 * sweepMs);

/** How many orphans one sweep completes; the next sweep takes the rest. */
const BATCH = 100;

/** Completes the follow-up of decisions logged within the heal loop's horizon and left without one. */
export async function recoverDecisions(deps: RecoverDeps): Promise<Recovered[]> {
  const now = deps.clock();
  const horizon = Math.max(deps.config.healMaxAgeMs, deps.config.approvalTtlMs);
  const orphans = await orphanDecisions(deps.pool, new Date(now.getTime() - horizon), new Date(now.getTime() - graceMsOf(deps.config.healSweepMs)), BATCH);
  const out: Recovered[] = [];
  for (const d of orphans) {
    try {
      out.push(await recoverOne(deps, d));
    } catch (err) {
      // One decision's broken follow-up must not keep the others waiting; the next sweep tries it again.
      deps.log.error({ err, decisionId: d.id }, 'decision follow-up not recovered');
    }
  }
  if (out.length > 0) deps.log.warn({ decisions: out }, 'decisions logged before a crash were followed up');
  return out;
}

async function recoverOne(deps: RecoverDeps, d: OrphanDecision): Promise<Recovered> {
  const audit = (reason: string) => appendAudit(deps.pool, { at: deps.clock(), actor: MEDIC, kind: 'execution.not_executed', decisionId: d.id, detail: { reason, recovered: true } });
  if (d.result.requires_approval) {
    const made = await requestApproval(deps, { decisionId: d.id, input: d.input, result: d.result, ctx: undefined, now: d.created_at });
    await recoveredAudit(deps, d, made ? { approval_id: made.id } : {});
    return { kind: 'approval', decisionId: d.id, approvalId: made?.id ?? null };
  }
  // Only the heal loop's own decisions are Medic's to carry out; the orchestrator acts on the answers it asked for.
  if (deps.config.heal !== 'on') {
    const reason = `Medic restarted with MEDIC_HEAL=${deps.config.heal}: the decision is not carried out`;
    await audit(reason);
    return { kind: 'not-acted', decisionId: d.id, reason };
  }
  const run = d.input.run?.key ? await runByKey(deps.pool, d.input.job, d.input.run.key) : undefined;
  const attempt = d.input.kind === 'failure' ? d.input.attempt : 1;
  const incident = run ? await incidentOfAttempt(deps.pool, run.id, attempt) : undefined;
  if (!run || !incident) {
    const reason = 'the run or incident the decision was about is gone';
    await audit(reason);
    return { kind: 'not-acted', decisionId: d.id, reason };
  }
  const outcome = await actOnDecision(deps, {
    decisionId: d.id, result: d.result, incidentId: incident.incident_id, runId: run.id, jobId: run.job_id, attempt,
    signatureId: d.signature_id ?? incident.signature_id, now: d.created_at,
  });
  await recoveredAudit(deps, d, { outcome: outcome.kind });
  return { kind: 'acted', decisionId: d.id, outcome: outcome.kind };
}

/** Says in the audit trail that the follow-up came from recovery, after the follow-up itself is recorded. */
function recoveredAudit(deps: RecoverDeps, d: OrphanDecision, detail: Record<string, unknown>): Promise<void> {
  return appendAudit(deps.pool, {
    at: deps.clock(), actor: MEDIC, kind: 'decision.recovered', decisionId: d.id,
    detail: { ...detail, logged_at: d.logged_at, because: 'the process that logged the decision stopped before its follow-up was recorded' },
  });
}
