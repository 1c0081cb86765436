/**
 * Autonomy, earned and reviewed: when an action keeps fixing one signature and its policy still
 * gates it, Medic proposes a policy that lets it run without approval — as a YAML change for
 * people to review and apply through git. Nothing here changes the loaded policies.
 */
import { stringify } from 'yaml';
import type { Deps } from '../deps.ts';
import { resolutionStats } from '../incidents/read-sql.ts';
import { isDestructive } from '../policies/action.ts';
import { parsePolicySet } from '../policies/load.ts';
import type { Policy } from '../policies/schema.ts';
import { appendAudit } from './audit.ts';
import { insertProposal } from './proposals-sql.ts';

/** The track record of an action on a signature. */
export interface TrackRecord {
  successes: number;
  attempts: number;
  median_ttr_ms: number | null;
}

/**
 * Whether the record earns a proposal: enough outcomes, a high enough success rate, a policy
 * that gates the action, and an action that may run ungated at all (destructive ones may not).
 */
export function earnsPromotion(policy: Policy, record: TrackRecord, bar: { minAttempts: number; minSuccess: number }): boolean {
  if (policy.approval.kind === 'none' || isDestructive(policy.action)) return false;
  return record.attempts >= bar.minAttempts && record.successes / record.attempts >= bar.minSuccess;
}

/** The proposed policy: the gated one's action, ungated, for this signature only, one step above it. */
export function proposalYaml(policy: Policy, signatureId: number, record: TrackRecord): string {
  const rate = Math.round((record.successes / Math.max(1, record.attempts)) * 100);
  const proposed = {
    id: `${policy.id}-auto-s${signatureId}`.slice(0, 100),
    description: `Proposed by Medic: ${policy.action.kind} fixed signature ${signatureId} ${record.successes} of ${record.attempts} times (${rate} %), so it runs without approval here; ${policy.id} still gates the rest.`,
    priority: policy.priority + 1,
    mode: policy.mode,
    on: policy.on,
    match: { ...policy.match, signature: { ids: [signatureId] } },
    action: policy.action,
    approval: { kind: 'none' },
    guardrails: policy.guardrails,
  };
  return stringify({ policies: [proposed] });
}

type ProposalDeps = Pick<Deps, 'pool' | 'policies' | 'config' | 'clock' | 'log'>;

/**
 * After a verified outcome: proposes (once per signature, action and policy) to promote the
 * action from gated to automatic when its record earns it. Returns the proposal's id when one was made.
 */
export async function considerPromotion(
  deps: ProposalDeps,
  c: { signatureId: number; action: string; policyId: string; ids: { incidentId: number | null; decisionId: string; approvalId: number | null; executionId: number } },
): Promise<number | null> {
  const policy = deps.policies.current().policies.find((p) => p.id === c.policyId);
  if (!policy || policy.action.kind !== c.action) return null;
  const stat = (await resolutionStats(deps.pool, [c.signatureId])).find((s) => s.action === c.action);
  const record: TrackRecord = { successes: stat?.successes ?? 0, attempts: stat?.attempts ?? 0, median_ttr_ms: stat?.median_ttr_ms ?? null };
  if (!earnsPromotion(policy, record, deps.config.promote)) return null;
  const yaml = proposalYaml(policy, c.signatureId, record);
  // A proposal must be a policy Medic would load; one that is not is a bug, not a proposal.
  const check = parsePolicySet([{ name: 'proposal.yaml', text: yaml }]);
  if (check.kind === 'invalid') {
    deps.log.error({ issues: check.issues, policy: policy.id }, 'a promotion proposal does not validate');
    return null;
  }
  const at = deps.clock();
  const id = await insertProposal(deps.pool, { signatureId: c.signatureId, action: c.action, policyId: policy.id, evidence: { ...record, bar: deps.config.promote }, yaml, at });
  if (id !== null) {
    await appendAudit(deps.pool, { at, actor: 'medic', kind: 'proposal.made', ...c.ids, detail: { proposal_id: id, policy_id: policy.id, ...record } });
  }
  return id;
}
