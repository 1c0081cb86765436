import type { Approver } from '../approvals/schema.ts';
import { globMatch } from '../policies/matcher.ts';
import { finding, type Finding, type Rule } from './finding.ts';
import type { LocatedPolicy } from './policies.ts';
import { locateNearest } from './yaml-findings.ts';

/** Who may approve, and where the check learned it. */
export interface ApproverSource {
  approvers: readonly Approver[];
  /** `approvers.yaml` (its path), `MEDIC_APPROVERS`, or none of them. */
  from: { kind: 'file'; file: string } | { kind: 'environment' } | { kind: 'none' };
}

/** What policies may name, each null when the repository does not say (the check is skipped). */
export interface DefinedNames {
  services: readonly string[] | null;
  prompts: ReadonlySet<string> | null;
  approvers: ApproverSource;
}

const where = (from: ApproverSource['from']) =>
  from.kind === 'file' ? `in ${from.file}` : from.kind === 'environment' ? 'in MEDIC_APPROVERS' : '(no approvers file, and MEDIC_APPROVERS lists none)';

function at(p: LocatedPolicy, rule: Rule, path: (string | number)[], message: string): Finding {
  const full = ['policies', p.index, ...path];
  return finding(rule, { file: p.source.file, ...locateNearest(p.source.text, full, p.doc), path: full, message });
}

function serviceFindings(p: LocatedPolicy, services: readonly string[]): Finding[] {
  return (p.policy.match.services ?? []).flatMap((glob, k) => services.some((s) => globMatch(glob, s))
    ? []
    : [at(p, 'unknown-service', ['match', 'services', k], `no service defined in the repository is named ${glob.includes('*') || glob.includes('?') ? 'like ' : ''}"${glob}"`)]);
}

function approvalFindings(p: LocatedPolicy, source: ApproverSource): Finding[] {
  const a = p.policy.approval;
  if (a.kind === 'none') return [];
  const members = (group: string) => source.approvers.filter((x) => x.groups.includes(group));
  const unknown = source.approvers.length === 0 ? [] : a.groups.flatMap((g, k) => members(g).length > 0 ? [] : [
    at(p, 'unknown-approver-group', ['approval', 'groups', k], `no approver ${where(source.from)} belongs to the group "${g}"`),
  ]);
  const eligible = new Set(a.groups.flatMap((g) => members(g).map((x) => x.name))).size;
  const needed = a.kind === 'quorum' ? a.count : 1;
  // Groups that no one belongs to are said above; this is for a gate that stays shut otherwise.
  if (eligible >= needed || (source.approvers.length > 0 && eligible === 0)) return unknown;
  const who = eligible === 0 ? `no approvers ${where(source.from)}` : `only ${eligible} approver${eligible === 1 ? '' : 's'} in ${a.groups.join(', ')}`;
  return [...unknown, at(p, 'gated-without-approvers', ['approval'], `a gated ${p.policy.action.kind} needs ${needed} approver${needed === 1 ? '' : 's'}, and there ${eligible === 1 ? 'is' : 'are'} ${who}: it can never be approved`)];
}

function promptFindings(p: LocatedPolicy, prompts: ReadonlySet<string>): Finding[] {
  const action = p.policy.action;
  if (action.kind !== 'run_agent' || prompts.has(action.agent)) return [];
  return [at(p, 'unknown-prompt', ['action', 'agent'], `no prompt "${action.agent}" (known: ${[...prompts].sort().join(', ') || 'none'})`)];
}

/** What each policy names that the repository does not have: services, approver groups, prompts. */
export function checkReferences(policies: readonly LocatedPolicy[], known: DefinedNames): Finding[] {
  return policies.flatMap((p) => [
    ...(known.services ? serviceFindings(p, known.services) : []),
    ...approvalFindings(p, known.approvers),
    ...(known.prompts ? promptFindings(p, known.prompts) : []),
  ]);
}
