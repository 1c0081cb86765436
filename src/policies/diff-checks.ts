/**
 * When a history cannot say what a policy change does: no failure in the window, or every policy
 * the change touches applies only to jobs or sources the history never saw. A diff over such a
 * history would report "no change"; it says why it cannot compare instead.
 */
import type { ReplayHistory } from './history.ts';
import type { PolicySet } from './load.ts';
import { globMatch } from './matcher.ts';
import { compareSets } from './revision-changes.ts';
import type { Policy } from './schema.ts';

const LISTED = 5;
const at = (d: Date | undefined) => (d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '');
const list = (xs: readonly string[]) => (xs.length > LISTED ? `${xs.slice(0, LISTED).join(', ')} … (${xs.length} in all)` : xs.join(', '));

/** Why the two revisions cannot be compared over this history, or undefined when they can. */
export function cannotCompare(base: PolicySet, head: PolicySet, h: ReplayHistory, since: Date): string | undefined {
  const window = h.failures.filter((f) => f.failed_at.getTime() >= since.getTime());
  if (window.length === 0) {
    const held = h.failures.length ? `; it holds ${h.failures.length} from ${at(h.failures[0]?.failed_at)} to ${at(h.failures.at(-1)?.failed_at)}` : '';
    return `no failures in ${h.origin} since ${at(since)}${held}: nothing to replay. Export a longer stretch (medic export history --since 90d) or widen --since.`;
  }
  const c = compareSets(base, head);
  const touched = [...c.added, ...c.changed].map((id) => head.policies.find((p) => p.id === id))
    .concat(c.removed.map((id) => base.policies.find((p) => p.id === id)))
    .filter((p): p is Policy => p !== undefined && p.on === 'failure');
  if (touched.length === 0 || touched.some((p) => !p.match.jobs && !p.match.sources)) return undefined;
  const jobs = [...new Set(window.map((f) => `${f.namespace}/${f.name}`))].sort();
  const any = (globs: string[] | undefined, value: string) => !globs || globs.some((g) => globMatch(g, value));
  const reaches = (p: Policy) => window.some((f) => any(p.match.jobs, `${f.namespace}/${f.name}`) && any(p.match.sources, f.source));
  if (touched.some(reaches)) return undefined;
  const scopes = touched.map((p) => `${p.id} (${[...(p.match.jobs ?? []), ...(p.match.sources ?? []).map((s) => `source ${s}`)].join(', ')})`);
  const hint = h.anonymised ? ' The history is anonymised: export it with --keep-names to keep job and source names.' : '';
  return `the policies this change touches apply only to jobs or sources this history never saw: ${scopes.join('; ')}. Its ${jobs.length} jobs: ${list(jobs)}. A diff would report no change without knowing.${hint}`;
}
