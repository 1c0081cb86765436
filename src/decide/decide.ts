import { requestApproval } from '../approvals/request.ts';
import { isLostConnection } from '../db/lost-connection.ts';
import { replaceUnstorable } from '../db/unstorable.ts';
import type { Deps } from '../deps.ts';
import { isRedisUnavailable } from '../queue/unavailable.ts';
import type { Action } from '../policies/action.ts';
import { evaluate } from '../policies/engine.ts';
import type { PolicySet } from '../policies/load.ts';
import type { DecisionContext } from './context.ts';
import type { BudgetAsk, FailureMark } from './guard-memory.ts';
import { failureContext, preflightContext } from './gather.ts';
import { uuidv7 } from './ids.ts';
import type { DecisionRow } from './log-sql.ts';
import { toResult, type DecisionResult } from './result.ts';
import type { DecisionInput } from './schema.ts';

/** One answer of the decision endpoint. */
export interface DecisionAnswer {
  decision_id: string;
  result: DecisionResult;
  /** The approval request a gated decision opened; null when none was asked for. */
  approval_id: number | null;
}

/** How a decision is taken beyond its input. */
export interface DecideOptions {
  /** Ask for approval when the action is gated (after the decision is logged). @defaultValue true */
  gate?: boolean;
  /** False for a decision nobody acts on (the heal loop in shadow): logged, spending no budget. @defaultValue true */
  enforce?: boolean;
  /** The incident and run the decision is about, when the caller knows them (the heal loop). */
  incidentId?: number | null;
  runId?: number | null;
  /** Set when admission turned the request away: the safe default is answered (and logged) at once, saying why. */
  overloaded?: string;
}

/** Where the time of one decision went, in ms: for the `Server-Timing` header and the bench. */
export interface DecisionTimings {
  gather: number;
  evaluate: number;
  log: number;
}

export type { PreflightChecks } from './context.ts';

export type DecideDeps = Pick<Deps, 'pool' | 'signatures' | 'embedder' | 'log' | 'clock' | 'config' | 'policies' | 'decisionLog' | 'preflightChecks' | 'remedy' | 'decideCache' | 'decidePool' | 'notifier' | 'guard'>;

/** Why Medic answered its safe default instead of deciding. */
class Degraded extends Error {
  override readonly name = 'Degraded';
}

/** More asked of Medic than it can answer in time: answered at once, and not logged as a fault (a storm says so in the counts). */
class Overloaded extends Error {
  override readonly name = 'Overloaded';
}

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Degraded(`no decision within ${ms} ms`)), ms); });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Decides what to do about an input: gathers what Medic knows, evaluates the policies, and
 * writes the decision to the log before answering. When gathering takes longer than the
 * configured budget, the store is down or anything breaks, the answer is the configured safe
 * default — never a destructive action — and it says why.
 */
export async function decide(deps: DecideDeps, input: DecisionInput, options: DecideOptions = {}): Promise<DecisionAnswer> {
  return (await decideTimed(deps, input, options)).answer;
}

/** `decide`, and where its time went. */
export async function decideTimed(deps: DecideDeps, asked: DecisionInput, options: DecideOptions = {}): Promise<{ answer: DecisionAnswer; timings: DecisionTimings }> {
  const t0 = performance.now();
  // A failing task's log may hold a NUL: decided on, and logged, with it replaced rather than degraded for it.
  const input = replaceUnstorable(asked).value;
  let t1 = t0;
  let t2 = t0;
  const id = uuidv7();
  const now = input.time ?? deps.clock();
  const set = deps.policies.current();
  let result: DecisionResult;
  let ctx: DecisionContext | undefined;
  let budgetKey: string | null = null;
  let spent: Spent | null = null;
  let failure: FailureMark | null = null;
  const enforce = options.enforce ?? true;
  try {
    if (options.overloaded !== undefined) throw new Overloaded(options.overloaded);
    // Past this many lookups waiting for a connection, a new one would only time out later and
    // hold up the ones already waiting: answer the safe default now.
    if (deps.decidePool.waitingCount > deps.config.decideMaxWaiting) throw new Overloaded(`${deps.decidePool.waitingCount} lookups waiting for the store`);
    ctx = await within(deps.config.decideTimeoutMs, gather(deps, set, input, now));
    t1 = performance.now();
    let decision = evaluate(set.policies, input, ctx);
    // Only a policy's own action spends its budget; a guardrail's replacement does not.
    const spend = enforce && decision.guardrail === null ? budgetAsk(ctx.budgets ?? [], decision) : null;
    if (spend && ctx.factsAgeMs != null) {
      if (await deps.guard.ledger.spend(spend, id, now.getTime())) spent = spend;
      else {
        // Another replica spent the budget's last one meanwhile: decide again with the budget spent.
        ctx = { ...ctx, budgetUsed: { ...ctx.budgetUsed, [spend.policyId]: spend.max } };
        decision = evaluate(set.policies, input, ctx);
      }
    }
    result = toResult(decision, ctx, set.revision);
    budgetKey = decision.guardrail === null ? decision.budgetKey : null;
    if (ctx.kind === 'failure' && ctx.factsAgeMs != null) {
      failure = { signatureId: null, fingerprint: ctx.signature.fingerprint, key: `${input.job.namespace}/${input.job.name}|${input.run?.key ?? id}|${input.kind === 'failure' ? input.attempt : 1}`, at: now.getTime() };
      deps.guard.addFailure(failure);
    }
  } catch (err) {
    if (err instanceof Overloaded) result = safeDefault(deps, set, input, 'overloaded', err.message);
    else {
      result = safeDefault(deps, set, input, describe(err));
      deps.log.warn({ err, decisionId: id }, 'decision degraded to the safe default');
    }
  }
  t1 = t1 === t0 ? performance.now() : t1;
  t2 = performance.now();
  let logged = false;
  try {
    await deps.decisionLog.append(row(id, input, result, ctx, set.revision, enforce ? budgetKey : null, now, enforce, deps.guard.replica));
    logged = true;
  } catch (err) {
    // A decision that is not in the log must not be acted on: budgets and audit depend on it.
    if (result.degraded === null) result = safeDefault(deps, set, input, `the decision log is unavailable (${describe(err)})`);
    deps.log.error({ err, decisionId: id, input, result }, 'decision not logged');
    if (failure) deps.guard.removeFailure(failure);
    if (spent) await deps.guard.ledger.refund(spent, id).catch((e: unknown) => deps.log.error({ err: e, decisionId: id }, 'budget spend not taken back'));
  }
  const t3 = performance.now();
  const approvalId = logged && enforce && (options.gate ?? true) && result.requires_approval && result.degraded === null
    ? await gate(deps, { decisionId: id, input, result, ctx, now, incidentId: options.incidentId ?? null, runId: options.runId ?? null })
    : null;
  return { answer: { decision_id: id, result, approval_id: approvalId }, timings: { gather: t1 - t0, evaluate: t2 - t1, log: t3 - t2 } };
}

/** Opens the approval request of a logged, gated decision; a failure leaves the decision standing without one. */
async function gate(deps: DecideDeps, g: Parameters<typeof requestApproval>[1]): Promise<number | null> {
  try {
    return (await requestApproval(deps, g))?.id ?? null;
  } catch (err) {
    deps.log.error({ err, decisionId: g.decisionId }, 'approval request not created');
    return null;
  }
}

function gather(deps: DecideDeps, set: PolicySet, input: DecisionInput, now: Date): Promise<DecisionContext> {
  const on = { ...deps, pool: deps.decidePool };
  return input.kind === 'failure' ? failureContext(on, set, input, now) : preflightContext(on, set, input, now, deps.preflightChecks);
}

function describe(err: unknown): string {
  if (err instanceof Degraded) return err.message;
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  const message = err instanceof Error ? err.message : String(err);
  if (/^(ECONN|57P|08)/.test(code) || isLostConnection(err)) return `the store is unavailable (${code || message})`;
  // Shared budgets live in Redis.
  if (isRedisUnavailable(err)) return `Redis is unavailable (${message})`;
  return `internal error: ${message}`;
}

/** The configured safe answer: people decide on a failure; a preflight goes (or holds) as configured. */
export function safeDefault(deps: Pick<DecideDeps, 'config'>, set: PolicySet, input: DecisionInput, reason: string, detail?: string): DecisionResult {
  const action: Action = input.kind === 'failure'
    ? deps.config.safeDefault.failure === 'notify' ? { kind: 'notify', page: false, severity: 'warning' } : { kind: 'hold_downstream', reason: 'Medic could not decide' }
    : deps.config.safeDefault.preflight === 'go' ? { kind: 'go' } : { kind: 'hold', reason: 'Medic could not decide' };
  return {
    action: action.kind, params: action, delay_s: 0, requires_approval: false, approval: null, policy_id: null, policy_revision: set.revision,
    reason: `safe default: ${detail ? `${reason} (${detail})` : reason}`, proposed: null, guardrail: null, shadow: [], evidence: {}, explanation: [], degraded: { reason },
  };
}

type Spent = BudgetAsk;

/** The budget the deciding policy spends, as its guardrail counted it. */
function budgetAsk(budgets: BudgetAsk[], decision: { policyId: string | null; budgetKey: string | null }): BudgetAsk | null {
  return budgets.find((b) => b.policyId === decision.policyId && b.key === decision.budgetKey) ?? null;
}

function row(id: string, input: DecisionInput, result: DecisionResult, ctx: DecisionContext | undefined, revision: string, budgetKey: string | null, now: Date, enforce: boolean, replica: string): DecisionRow {
  const sig = ctx?.kind === 'failure' ? ctx.signature : undefined;
  return {
    id, kind: input.kind, job: `${input.job.namespace}/${input.job.name}`, run_key: input.run?.key ?? null,
    attempt: input.kind === 'failure' ? input.attempt : null, fingerprint: sig?.fingerprint ?? null, signature_id: sig?.id ?? null,
    policy_id: result.policy_id, action: result.action, enforced: enforce && result.degraded === null,
    budget_key: result.degraded === null ? budgetKey : null,
    requires_approval: result.requires_approval, degraded: result.degraded !== null, policy_revision: revision,
    input, result, created_at: now, replica, facts_age_ms: ctx?.factsAgeMs ?? null,
  };
}
