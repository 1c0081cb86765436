/**
 * Asking for an approval: a gated decision becomes a request with the evidence people need —
 * the decision's own (signature, similar incidents and what fixed them, forecasts), the SLA
 * impact and a dry run of the action — and an expiry tied to the SLA.
 */
import type { DecisionContext } from '../decide/context.ts';
import type { DecisionResult } from '../decide/result.ts';
import type { DecisionInput } from '../decide/schema.ts';
import { withTransaction } from '../db/pool.ts';
import type { Deps } from '../deps.ts';
import { planAction } from '../remediation/plan.ts';
import { appendAudit } from './audit.ts';
import type { ApprovalStatus } from './schema.ts';
import { expectedActionMs, expiryOf, usefulUntil } from './rules.ts';
import { incidentOfAttempt, insertApproval, openRequestFor, runByKey } from './sql.ts';

export type GateDeps = Pick<Deps, 'pool' | 'clock' | 'config' | 'remedy' | 'log' | 'notifier'>;

// Namespaces the advisory locks that keep one request per failed attempt and action.
const APPROVAL_LOCK = 72_304_163;

/** A logged decision that requires approval, with what was known around it. */
export interface GateInput {
  decisionId: string;
  input: DecisionInput;
  result: DecisionResult;
  ctx: DecisionContext | undefined;
  now: Date;
  /** Known to the heal loop; looked up from the run otherwise. */
  incidentId?: number | null;
  runId?: number | null;
  /** The agent run that proposed the action, when one did: separation of duties keeps it from approving. */
  proposedBy?: string | null;
}

/** Who asked: the input's requester, else the source that asked. */
export const requesterOf = (input: DecisionInput): string | null => input.requester ?? input.source ?? null;

/** The services the action touches and the deadlines it must beat, for the people who approve. */
function impactOf(ctx: DecisionContext | undefined, useful: { at: Date; service: string } | null, actionMs: number) {
  return {
    useful_until: useful?.at ?? null,
    tightest_service: useful?.service ?? null,
    expected_action_min: Math.round(actionMs / 60_000),
    services: (ctx?.services ?? []).map((s) => ({
      service: s.name, criticality: s.criticality, deadline: s.forecast?.deadline ?? null, p_breach: s.forecast?.pBreach ?? null,
      downstream: s.forecast?.downstream.map((d) => ({ service: d.service, deadline: d.deadline })) ?? [],
    })),
  };
}

/**
 * Creates the approval request of a gated decision (after the decision is logged) and records
 * it. A request whose useful moment has passed already is created escalated: people are told,
 * nothing waits for a vote, nothing runs.
 */
export async function requestApproval(deps: GateDeps, g: GateInput): Promise<{ id: number; status: ApprovalStatus } | null> {
  const requirement = g.result.approval;
  if (!requirement || requirement.kind === 'none') return null;
  const attempt = g.input.kind === 'failure' ? g.input.attempt : null;
  const runId = g.runId ?? (g.input.run?.key ? (await runByKey(deps.pool, g.input.job, g.input.run.key))?.id ?? null : null);
  const incidentId = g.incidentId ?? (runId === null ? null : (await incidentOfAttempt(deps.pool, runId, attempt))?.incident_id ?? null);
  const action = g.result.params;
  const plan = await planAction(deps, { decisionId: g.decisionId, action, runId });
  const actionMs = expectedActionMs(g.result.delay_s, g.ctx?.kind === 'failure' ? g.ctx.jobMedianMs : null);
  const useful = usefulUntil(g.ctx?.services ?? [], actionMs);
  const expiry = expiryOf(g.now, deps.config.approvalTtlMs, useful);
  const status = expiry.escalated ? 'escalated' : 'pending';
  const requester = requesterOf(g.input);
  const evidence = { ...g.result.evidence, reason: g.result.reason, impact: impactOf(g.ctx, useful, actionMs) };
  const job = `${g.input.job.namespace}/${g.input.job.name}`;
  const id = await withTransaction(deps.pool, async (tx) => {
    const runKey = g.input.run?.key;
    if (runKey) {
      // Asked twice about one failure (a retried callback, or Medic and the orchestrator both): one request.
      await tx.query('select pg_advisory_xact_lock($1, hashtext($2))', [APPROVAL_LOCK, `${job}|${runKey}|${attempt ?? ''}`]);
      const open = await openRequestFor(tx, { job, runKey, attempt, kind: action.kind });
      if (open) {
        await appendAudit(tx, { at: g.now, actor: requesterOf(g.input) ?? 'unknown', kind: 'decision.taken', incidentId, decisionId: g.decisionId, approvalId: open.id, detail: { policy_id: g.result.policy_id, action, reason: g.result.reason, joined: `approval ${open.id} already asks for this ${action.kind}` } });
        return { approvalId: open.id, joined: open.status };
      }
    }
    const approvalId = await insertApproval(tx, {
      decisionId: g.decisionId, incidentId, runId, policyId: g.result.policy_id, action, target: plan.kind === 'target' ? plan.target : null,
      requirement, requester, proposedBy: g.proposedBy ?? null, status, evidence, dryRun: plan.dryRun, expiresAt: expiry.expiresAt,
      expiryReason: expiry.reason, usefulUntil: useful?.at ?? null, createdAt: g.now,
    });
    const ids = { incidentId, decisionId: g.decisionId, approvalId };
    await appendAudit(tx, { at: g.now, actor: requester ?? 'unknown', kind: 'decision.taken', ...ids, detail: { policy_id: g.result.policy_id, policy_revision: g.result.policy_revision, action, reason: g.result.reason } });
    await appendAudit(tx, { at: g.now, actor: 'medic', kind: 'approval.requested', ...ids, detail: { requirement, expires_at: expiry.expiresAt, expiry_reason: expiry.reason, useful_until: useful?.at ?? null, dry_run: plan.dryRun } });
    if (expiry.escalated) {
      await appendAudit(tx, { at: g.now, actor: 'medic', kind: 'approval.escalated', ...ids, detail: { because: `the ${action.kind} could only help ${useful?.service ?? 'the SLA'} until ${useful?.at.toISOString() ?? '?'}: people are told, nothing runs` } });
    }
    return { approvalId, joined: null };
  });
  if (id.joined) return { id: id.approvalId, status: id.joined };
  // An escalated request is news too: people are told, and nothing waits for them.
  await deps.notifier.publish({ kind: 'approval.requested', approvalId: id.approvalId });
  if (status === 'escalated') deps.log.warn({ approvalId: id.approvalId, decisionId: g.decisionId }, 'approval escalated at once: the action could no longer help its SLA');
  return { id: id.approvalId, status };
}
