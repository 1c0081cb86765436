import type { Embedder } from '../signatures/embedder.ts';
import { caseFiles, parseCaseFiles, type LocatedCase } from './case-files.ts';
import { loadPolicySet, parsePolicySet, policyFiles, type PolicyIssue, type PolicySet } from './load.ts';
import { locateInYaml } from './locate.ts';

/** A policy folder as CI sees it: its policy set and its test cases, or every fault in either. */
export type FolderCheck =
  | { kind: 'ok'; set: PolicySet; cases: LocatedCase[]; caseFiles: string[] }
  | { kind: 'invalid'; issues: PolicyIssue[] };

/** Gives faults found across files (a policy id used twice) the line of the field they name. */
export function withLines(issues: PolicyIssue[], files: { name: string; text: string }[]): PolicyIssue[] {
  return issues.map((i) => {
    if (i.line !== 0) return i;
    const text = files.find((f) => f.name === i.file)?.text;
    const at = text === undefined ? undefined : locateInYaml(text, i.path);
    return at ? { ...i, ...at } : i;
  });
}

/**
 * Validates the policy files of a folder as a set and the `*.test.yaml` cases beside them (their
 * shape, and that the policies and classes they name exist); loads the set when all is well.
 */
export async function checkFolder(dir: string, embedder: Embedder): Promise<FolderCheck> {
  const files = await policyFiles(dir);
  const tests = await caseFiles(dir);
  const parsed = parsePolicySet(files);
  const known = parsed.kind === 'ok' ? { policies: parsed.policies.map((p) => p.id), classes: parsed.classes.map((c) => c.name) } : null;
  const cases = parseCaseFiles(tests, known);
  const issues = [...(parsed.kind === 'invalid' ? withLines(parsed.issues, files) : []), ...(cases.kind === 'invalid' ? cases.issues : [])];
  if (issues.length || parsed.kind === 'invalid' || cases.kind === 'invalid') {
    return { kind: 'invalid', issues: issues.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column) };
  }
  const loaded = await loadPolicySet(files, embedder);
  if (loaded.kind === 'invalid') return loaded;
  return { kind: 'ok', set: loaded.set, cases: cases.cases, caseFiles: tests.map((t) => t.name) };
}

/** One line per fault, as editors and CI annotate them: `file:line:column path: message`. */
export function formatIssue(i: PolicyIssue, dir?: string): string {
  const file = dir ? `${dir.replace(/\/+$/, '')}/${i.file}` : i.file;
  return `${file}${i.line ? `:${i.line}:${i.column}` : ''} ${i.path.join('.') || '(file)'}: ${i.message}`;
}
