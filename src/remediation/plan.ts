/**
 * From a decided action to an execution: which actions an executor carries out, what the action
 * would be done to (its target) and the exact request that would go there (the dry run), and
 * the execution row itself, created once per decision.
 */
import { appendAudit } from '../approvals/audit.ts';
import type { Queryable } from '../db/pool.ts';
import type { Deps } from '../deps.ts';
import { delayOf, type Action, type ActionKind } from '../policies/action.ts';
import { insertExecution, type NewExecution } from './execute-sql.ts';
import type { ExecutionTarget } from './executor.ts';
import type { DryRun } from './remedy.ts';
import { resolveTarget, runRefOf, type TargetableRun } from './target.ts';
import { selectTargetableRun } from './target-sql.ts';

/**
 * The actions an executor carries out. A notification is a logged decision (the Slack issue posts
 * it); an agent step is the agent's; a deadline is moved by people.
 */
export const EXECUTABLE: readonly ActionKind[] = ['retry', 'rerun', 'skip', 'hold_downstream', 'webhook'];

export const isExecutable = (action: Action): boolean => EXECUTABLE.includes(action.kind);

/** Where an action would go, and the request that would carry it; or why it cannot go anywhere. */
export type Plan =
  | { kind: 'target'; target: ExecutionTarget; source: string; run: TargetableRun; dryRun: DryRun }
  | { kind: 'none'; reason: string; dryRun: DryRun };

/** The idempotency key of a decision's execution: every try of it sends the same. */
export const idempotencyKeyOf = (decisionId: string) => `medic:${decisionId}`;

/** Resolves the action's target on its run and describes the request, sending nothing. */
export async function planAction(deps: { pool: Queryable; remedy: Deps['remedy'] }, p: { decisionId: string; action: Action; runId: number | null }): Promise<Plan> {
  const none = (reason: string): Plan => ({ kind: 'none', reason, dryRun: { kind: 'refused', detail: reason } });
  if (!isExecutable(p.action)) return none(`a ${p.action.kind} is not carried out by an executor: it stays a logged decision`);
  if (p.runId === null) return none('Medic has no stored run to act on (its events have not arrived)');
  const run = await selectTargetableRun(deps.pool, p.runId);
  if (!run) return none(`run ${p.runId} does not exist`);
  const resolved = resolveTarget(run, p.action);
  if (resolved.kind === 'untargetable') return none(resolved.reason);
  const dryRun = deps.remedy.describe({ action: p.action, target: resolved.target, idempotencyKey: idempotencyKeyOf(p.decisionId), source: run.source, run: runRefOf(run) });
  // No executor for the source, or one that cannot do this action here: nothing to execute, and the dry run says why.
  if (dryRun.kind === 'refused') return { kind: 'none', reason: dryRun.detail, dryRun };
  return { kind: 'target', target: resolved.target, source: run.source, run, dryRun };
}

/**
 * Creates the execution of a decision (once: the decision id is unique) in the caller's
 * transaction, and records it. Returns its id and the delay before it is due; queue it after commit.
 */
export async function createExecution(tx: Queryable, e: Omit<NewExecution, 'notBefore'> & { delayS: number }): Promise<{ id: number; delayMs: number; created: boolean }> {
  const notBefore = new Date(e.createdAt.getTime() + e.delayS * 1000);
  const { delayS: _d, ...row } = e;
  const made = await insertExecution(tx, { ...row, notBefore });
  if (made.created) {
    await appendAudit(tx, {
      at: e.createdAt, actor: e.actor, kind: 'execution.queued', incidentId: e.incidentId, decisionId: e.decisionId, approvalId: e.approvalId,
      executionId: made.id, detail: { action: e.action, target: e.target, not_before: notBefore },
    });
  }
  return { ...made, delayMs: e.delayS * 1000 };
}

/** The delay before an action of the `attempt`-th failure is due, in seconds. */
export function delaySOf(action: Action, attempt: number | null): number {
  return delayOf(action, attempt ?? 1);
}
