import { allowedOptions } from '../allowed.ts';
import { budgetOf, overBudget } from '../budget.ts';
import { failureOf } from '../decision.ts';
import type { Facts } from '../facts.ts';
import { callRead, type ReadResult } from '../tools.ts';
import type { ReadToolName } from '../read-tools.ts';
import { guardOf, type Node } from './node.ts';

/** The data of a read the gather step is allowed to make; a refusal here is a bug in the allowlist. */
function dataOf<N extends ReadToolName>(r: ReadResult<N>): Extract<ReadResult<N>, { kind: 'ok' }>['data'] {
  if (r.kind !== 'ok') throw new Error(`gather: ${r.record.tool} refused: ${r.record.detail}`);
  return r.data;
}

/**
 * Gathers the evidence through the read tools (the run's history, the log excerpt, the signature
 * with similar incidents and their fixes, the forecast, the lineage), the options the policies
 * allow, and the budget the SLA leaves.
 */
export const gather: Node = async (deps, s) => {
  const ctx = { deps, subject: s.subject };
  const guard = guardOf(s);
  const [history, failure, signature, forecast, downstream] = await Promise.all([
    callRead(ctx, 'gather', 'run_history', { limit: 10 }, guard),
    callRead(ctx, 'gather', 'log_excerpt', {}, guard),
    callRead(ctx, 'gather', 'signature_evidence', {}, guard),
    callRead(ctx, 'gather', 'forecast', {}, guard),
    callRead(ctx, 'gather', 'lineage', {}, guard),
  ]);
  const facts: Facts = {
    job: `${s.subject.namespace}/${s.subject.name}`, runKey: s.subject.runKey, attempt: s.subject.attempt,
    failure: dataOf(failure), history: dataOf(history), signature: dataOf(signature), forecast: dataOf(forecast), downstreamJobs: dataOf(downstream),
  };
  const { input, ctx: failureCtx } = await failureOf(deps, s.subject, s.actor);
  const { options, excluded } = allowedOptions(deps.policies.current().policies, input, failureCtx);
  const budget = budgetOf({ maxSteps: s.maxSteps, maxTokens: deps.config.agent.maxTokens, maxWallMs: deps.config.agent.maxWallMs }, facts.forecast);
  const used = { ...s.used, steps: s.used.steps + 1 };
  const stop = overBudget(budget, used, deps.clock().getTime() - s.startedAt);
  return {
    update: { facts, options, excluded, budget, stop },
    record: {
      by: 'medic', prompt: null, inputs: { incident: s.subject.incidentId, run: s.subject.runId, attempt: s.subject.attempt, job: facts.job },
      toolCalls: [history, failure, signature, forecast, downstream].map((r) => r.record),
      outputs: { options: options.map((o) => ({ kind: o.action.kind, policy: o.policyId, gated: o.gated })), excluded, budget, stop },
      tokens: null,
    },
    patch: { budget },
  };
};
