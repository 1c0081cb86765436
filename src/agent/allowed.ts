/**
 * What the agent may propose: the actions of the enforcing policies whose match holds for this
 * failure (whatever their priority), less those a guardrail or the SLA check would refuse now,
 * and the two actions that are always safe (notify, hold downstream). Nothing else, ever: a log
 * or a model cannot add to this list, because it is computed from policies alone.
 */
import type { FailureContext } from '../decide/context.ts';
import type { FailureInput } from '../decide/schema.ts';
import { isDestructive, type Action } from '../policies/action.ts';
import { checkGuardrails, checkSla } from '../policies/guardrails.ts';
import { matchPolicy } from '../policies/matcher.ts';
import type { Policy } from '../policies/schema.ts';
import type { Excluded, Option } from './schema.ts';

/** Actions the agent never proposes: another agent step, and the preflight answers. */
const NEVER: readonly Action['kind'][] = ['run_agent', 'go', 'hold'];

/** The options of a failure, best policy first, one per action kind; and the matched policies left out, with why. */
export function allowedOptions(policies: readonly Policy[], input: FailureInput, ctx: FailureContext): { options: Option[]; excluded: Excluded[] } {
  const options: Option[] = [];
  const excluded: Excluded[] = [];
  for (const p of policies) {
    if (p.on !== 'failure' || p.mode !== 'enforce' || NEVER.includes(p.action.kind)) continue;
    if (!matchPolicy(p, input, ctx).matched) continue;
    const tripped = checkGuardrails(p, ctx) ?? checkSla(p.action, input, ctx);
    if (tripped) {
      excluded.push({ policyId: p.id, kind: p.action.kind, reason: tripped.trip.detail });
      continue;
    }
    if (options.some((o) => o.action.kind === p.action.kind)) continue;
    options.push({ action: p.action, policyId: p.id, approval: p.approval, gated: p.approval.kind !== 'none' || isDestructive(p.action) });
  }
  const atRisk = ctx.services.some((s) => (s.forecast?.pBreach ?? 0) >= 0.5);
  const safe: Action[] = [
    { kind: 'notify', page: atRisk, severity: atRisk ? 'critical' : 'warning' },
    { kind: 'hold_downstream', reason: 'held by Medic\'s agent while people look' },
  ];
  for (const action of safe) {
    if (!options.some((o) => o.action.kind === action.kind)) options.push({ action, policyId: null, approval: { kind: 'none' }, gated: false });
  }
  return { options, excluded };
}

/** The option of this kind, if the policies allow one. */
export const optionOf = (options: readonly Option[], kind: string): Option | undefined => options.find((o) => o.action.kind === kind);
