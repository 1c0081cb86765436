/**
 * Runs one execution exactly once, whatever the queue does: a worker claims the row (pending, or
 * executing under a lease that ran out), keeps its lease alive while it works, records that it
 * is about to call before it calls, and commits the outcome under its lease. A worker that takes
 * over from one that may have called first asks the target whether the effect is already there
 * (reconciles) before it sends anything again.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { appendAudit, type AuditEntry } from '../approvals/audit.ts';
import { withTransaction } from '../db/pool.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { claimExecution, finishExecution, getExecution, markSent, releaseExecution, renewLease, type ExecutionRow } from './execute-sql.ts';
import type { ExecutionOutcome } from './executor.ts';
import type { SourcedRequest } from './executors.ts';
import type { Observation } from './remedy.ts';
import { runRefOf } from './target.ts';
import { selectTargetableRun } from './target-sql.ts';
import { verifyDeadlineOf } from './verify-rules.ts';
import { jobMedianById } from './verify-sql.ts';

export type ExecuteDeps = Pick<Deps, 'pool' | 'remedy' | 'clock' | 'config' | 'log' | 'queue' | 'notifier'>;

/** Claims of one execution before a transient failure becomes final. @defaultValue 8 */
export const MAX_EXECUTION_ATTEMPTS = 8;

/** What one run of the execute job came to. */
export type ExecuteResult =
  | { kind: 'executed'; reconciled: boolean; detail: string }
  | { kind: 'failed'; detail: string }
  | { kind: 'not-claimable'; state: ExecutionRow['state'] }
  | { kind: 'not-due'; delayMs: number }
  | { kind: 'lost-lease' };

const WORKER = `${hostname()}/${process.pid}`;

/** Queues the execute job of an execution, after its delay when it has one. */
export async function enqueueExecution(deps: Pick<Deps, 'queue'>, id: number, delayMs = 0, suffix = ''): Promise<void> {
  await deps.queue.enqueue('execute-action', { executionId: id }, { jobId: `execute-action:${id}${suffix}`, ...(delayMs > 0 ? { delayMs } : {}) });
}

/** The request an execution makes, with the idempotency key every try of it shares. */
export async function requestOf(deps: Pick<Deps, 'pool'>, e: Pick<ExecutionRow, 'decision_id' | 'action' | 'target' | 'source' | 'run_id'>): Promise<SourcedRequest | undefined> {
  if (!e.target) return undefined;
  const run = e.run_id === null ? undefined : await selectTargetableRun(deps.pool, e.run_id);
  return { action: e.action, target: e.target, idempotencyKey: `medic:${e.decision_id}`, source: e.source, ...(run ? { run: runRefOf(run) } : {}) };
}

/** Whether what a previous holder may have sent shows at the target. */
export async function reconcile(deps: Pick<Deps, 'remedy'>, request: SourcedRequest, baseline: Observation | null): Promise<{ kind: 'applied' | 'not-applied' | 'unknown'; detail: string }> {
  if (!baseline || baseline.kind !== 'observed') return { kind: 'not-applied', detail: 'the target cannot be observed: sent again under the same idempotency key' };
  const now = await deps.remedy.observe(request);
  if (now.kind === 'failed') return now.retryable ? { kind: 'unknown', detail: now.detail } : { kind: 'not-applied', detail: now.detail };
  if (now.kind === 'unobservable') return { kind: 'not-applied', detail: now.detail };
  const seen = deps.remedy.compare(request, baseline.snapshot, now.snapshot);
  return { kind: seen.applied ? 'applied' : 'not-applied', detail: seen.detail };
}

function step(e: ExecutionRow, kind: AuditEntry['kind'], at: Date, detail: Record<string, unknown>): AuditEntry {
  return { at, actor: 'medic', kind, incidentId: e.incident_id, decisionId: e.decision_id, approvalId: e.approval_id, executionId: e.id, detail: { worker: WORKER, ...detail } };
}

/** Runs the execute job for execution `id`; a redelivered or concurrent job finds nothing to claim. */
export async function runExecution(deps: ExecuteDeps, id: number): Promise<ExecuteResult> {
  const token = randomUUID();
  const claimed = await claimExecution(deps.pool, id, token, deps.config.executionLeaseMs, deps.clock());
  if (!claimed) return notClaimed(deps, id);
  const e = claimed;
  const audit = (kind: AuditEntry['kind'], detail: Record<string, unknown>) => appendAudit(deps.pool, step(e, kind, deps.clock(), detail));
  await audit('execution.claimed', { attempt: e.attempts, took_over: e.sent_at !== null });
  const heartbeat = setInterval(() => {
    renewLease(deps.pool, id, token, deps.config.executionLeaseMs).catch((err: unknown) => deps.log.warn({ err, executionId: id }, 'lease not renewed'));
  }, Math.max(100, deps.config.executionLeaseMs / 3));
  heartbeat.unref();
  try {
    const request = await requestOf(deps, e);
    if (!request) return await fail(deps, e, token, 'the execution has no target');
    let baseline = e.baseline;
    if (e.sent_at !== null) {
      const verdict = await reconcile(deps, request, baseline);
      await audit('execution.reconciled', { verdict: verdict.kind, detail: verdict.detail });
      if (verdict.kind === 'applied') return await succeed(deps, e, token, { detail: `already applied at the target: ${verdict.detail}`, reconciled: true });
      if (verdict.kind === 'unknown') return await retryLater(deps, e, token, `cannot tell whether the action was applied: ${verdict.detail}`);
    } else {
      const seen = await deps.remedy.observe(request);
      if (seen.kind === 'failed' && seen.retryable) return await retryLater(deps, e, token, `cannot observe the target: ${seen.detail}`);
      baseline = seen.kind === 'failed' ? { kind: 'unobservable', detail: seen.detail } : seen;
    }
    const sent = await withTransaction(deps.pool, async (tx) => {
      if (!(await markSent(tx, id, token, baseline ?? { kind: 'unobservable', detail: 'none' }, deps.clock()))) return false;
      await appendAudit(tx, step(e, 'execution.sent', deps.clock(), { request: deps.remedy.describe(request) }));
      return true;
    });
    if (!sent) return { kind: 'lost-lease' };
    return await settle(deps, e, token, await deps.remedy.execute(request));
  } finally {
    clearInterval(heartbeat);
  }
}

async function notClaimed(deps: ExecuteDeps, id: number): Promise<ExecuteResult> {
  const current = await getExecution(deps.pool, id);
  if (!current) throw new AppError('not_found', `execution ${id} does not exist`);
  const wait = current.not_before.getTime() - deps.clock().getTime();
  if (current.state === 'pending' && wait > 0) {
    await enqueueExecution(deps, id, wait, `:due-${current.not_before.getTime()}`);
    return { kind: 'not-due', delayMs: wait };
  }
  return { kind: 'not-claimable', state: current.state };
}

async function settle(deps: ExecuteDeps, e: ExecutionRow, token: string, outcome: ExecutionOutcome): Promise<ExecuteResult> {
  if (outcome.kind === 'done') return succeed(deps, e, token, { detail: outcome.detail, response: outcome.response ?? null, reconciled: false });
  if (outcome.retryable) return retryLater(deps, e, token, outcome.detail);
  return fail(deps, e, token, outcome.detail, outcome.status);
}

async function succeed(deps: ExecuteDeps, e: ExecutionRow, token: string, outcome: { detail: string; reconciled: boolean; response?: unknown }): Promise<ExecuteResult> {
  const at = deps.clock();
  const median = e.job_id === null ? null : await jobMedianById(deps.pool, e.job_id);
  const verifyDeadline = e.job_id === null ? null : verifyDeadlineOf(at, deps.config.verifyWindowMs, median);
  const ok = await withTransaction(deps.pool, async (tx) => {
    if (!(await finishExecution(tx, e.id, token, { state: 'executed', outcome, at, verifyDeadline }))) return false;
    await appendAudit(tx, step(e, 'execution.executed', at, { detail: outcome.detail, reconciled: outcome.reconciled, verify_by: verifyDeadline }));
    return true;
  });
  if (!ok) return { kind: 'lost-lease' };
  await deps.notifier.publish({ kind: 'execution.done', executionId: e.id });
  return { kind: 'executed', reconciled: outcome.reconciled, detail: outcome.detail };
}

async function fail(deps: ExecuteDeps, e: ExecutionRow, token: string, detail: string, status?: number): Promise<ExecuteResult> {
  const at = deps.clock();
  const ok = await withTransaction(deps.pool, async (tx) => {
    if (!(await finishExecution(tx, e.id, token, { state: 'failed', outcome: { detail, ...(status ? { status } : {}) }, at }))) return false;
    await appendAudit(tx, step(e, 'execution.failed', at, { detail, attempts: e.attempts }));
    return true;
  });
  if (!ok) return { kind: 'lost-lease' };
  await deps.notifier.publish({ kind: 'execution.failed', executionId: e.id });
  return { kind: 'failed', detail };
}

/** Hands the execution back for the queue's backoff (the job throws a retryable error), or fails it once its tries are spent. */
async function retryLater(deps: ExecuteDeps, e: ExecutionRow, token: string, detail: string): Promise<ExecuteResult> {
  if (e.attempts >= MAX_EXECUTION_ATTEMPTS) return fail(deps, e, token, `gave up after ${e.attempts} tries: ${detail}`);
  await withTransaction(deps.pool, async (tx) => {
    if (!(await releaseExecution(tx, e.id, token, { detail, attempts: e.attempts }))) return;
    await appendAudit(tx, step(e, 'execution.retrying', deps.clock(), { detail, attempt: e.attempts }));
  });
  throw new AppError('unavailable', `execution ${e.id}: ${detail}`);
}
