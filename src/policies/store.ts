import type { Embedder } from '../signatures/embedder.ts';
import { loadPolicySet, policyFiles, type PolicyIssue, type PolicySet } from './load.ts';

/** The loaded policy set, swapped whole on reload so that a decision never sees half of one. */
export interface PolicyStore {
  readonly dir: string;
  current(): PolicySet;
  /** Reads the folder again; an invalid set is refused and the current one stays. */
  reload(): Promise<{ kind: 'ok'; set: PolicySet } | { kind: 'invalid'; issues: PolicyIssue[] }>;
}

/** Loads the policies in `dir`; throws when they are invalid, naming each fault, since Medic must not start without them. */
export async function openPolicyStore(dir: string, embedder: Embedder): Promise<PolicyStore> {
  const first = await loadPolicySet(await policyFiles(dir), embedder);
  if (first.kind === 'invalid') throw new Error(`invalid policies in ${dir}:\n${formatIssues(first.issues)}`);
  let set = first.set;
  return {
    dir,
    current: () => set,
    async reload() {
      const next = await loadPolicySet(await policyFiles(dir), embedder);
      if (next.kind === 'ok') set = next.set;
      return next;
    },
  };
}

/** One line per fault: `file:line:column field: message`. */
export function formatIssues(issues: PolicyIssue[]): string {
  return issues.map((i) => `  ${i.file}${i.line ? `:${i.line}:${i.column}` : ''} ${i.path.join('.') || '(file)'}: ${i.message}`).join('\n');
}

/** A store that always holds the same set (tests, and tools that evaluate a candidate set). */
export function fixedPolicyStore(set: PolicySet): PolicyStore {
  return {
    dir: '(fixed)',
    current: () => set,
    reload: async () => ({ kind: 'ok', set }),
  };
}

/** A set with no policy: every failure goes to people, every preflight goes on its checks. */
export function emptyPolicySet(now = new Date()): PolicySet {
  return { revision: 'none', loadedAt: now, files: [], policies: [], classes: [], classVectors: new Map() };
}
