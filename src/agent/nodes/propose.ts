import { isDestructive } from '../../policies/action.ts';
import { optionOf } from '../allowed.ts';
import { classify } from '../classify.ts';
import { plan, uncorroborated } from '../planner.ts';
import type { Proposal, Refusal } from '../schema.ts';
import type { Node } from './node.ts';

/**
 * Settles on one option. The planner's pick is among the options by construction; a model's is
 * checked against them here: a kind no matching policy allows (a skip, a webhook, a retry where
 * none is allowed), or a destructive kind nothing but the model calls for, is refused and
 * recorded, never executed, and the planner proposes instead.
 * `none` from a model means people decide: the proposal becomes a notification.
 */
export const propose: Node = async (_deps, s) => {
  if (!s.facts || !s.diagnosis) throw new Error('propose before diagnose');
  const refused: Refusal[] = [];
  let proposal: Proposal | undefined;
  const asked = s.modelProposal;
  if (asked) {
    const kind = asked.action.kind === 'none' ? 'notify' : asked.action.kind;
    const option = optionOf(s.options, kind);
    // A destructive proposal needs a second voice that reads no instructions: the planner's.
    const unbacked = option && isDestructive(option.action) ? uncorroborated(kind, classify(s.facts), s.facts) : null;
    if (option && unbacked) refused.push({ step: 'propose', what: `action ${kind}`, reason: unbacked });
    else if (option) proposal = { option, by: s.diagnosis.by, rationale: asked.rationale };
    else {
      const allowed = s.options.map((o) => o.action.kind).join(', ');
      refused.push({ step: 'propose', what: `action ${asked.action.kind}`, reason: `no matching policy allows a ${asked.action.kind} here (allowed: ${allowed})` });
    }
  }
  let diagnosis = s.diagnosis;
  if (!proposal) {
    // The planner's own diagnosis: a model whose proposal was refused may have been talked into its diagnosis too.
    const p = plan(s.facts, s.options);
    proposal = { option: p.option, by: 'planner', rationale: refused.length ? `the model's ${asked?.action.kind} was refused; ${p.rationale}` : p.rationale };
    if (refused.length) diagnosis = { hypotheses: p.hypotheses, by: 'planner', fallback: `${s.diagnosis.by}'s ${asked?.action.kind ?? 'proposal'} was refused: ${refused[0]?.reason ?? ''}` };
  }
  return {
    update: { proposal, refusals: refused, diagnosis },
    record: {
      by: proposal.by, prompt: null, inputs: { asked: asked?.action ?? null, options: s.options.map((o) => o.action.kind) }, toolCalls: [],
      outputs: { action: proposal.option.action, policy: proposal.option.policyId, gated: proposal.option.gated, rationale: proposal.rationale }, tokens: null,
    },
    refused,
    patch: { diagnosis, proposal },
  };
};
