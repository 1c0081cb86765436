import { parseCaseFiles } from '../policies/case-files.ts';
import type { PolicyIssue } from '../policies/load.ts';
import { IncidentClass, Policy, PolicyFile } from '../policies/schema.ts';
import { parseYamlFile } from '../yaml-file.ts';
import { finding, type Finding } from './finding.ts';
import { documentsOf, issueFindings, listIn, locateNearest, type SourceFile } from './yaml-findings.ts';

/** A policy that parses, with where it is written, for the checks across files. */
export interface LocatedPolicy {
  source: SourceFile;
  /** Its document in the file and its place in that document's `policies`. */
  doc: number;
  index: number;
  policy: Policy;
}

/** The policies of every file that parse on their own, even beside ones that do not. */
function policiesOf(files: readonly SourceFile[]): { policies: LocatedPolicy[]; classes: string[] } {
  const policies: LocatedPolicy[] = [];
  const classes: string[] = [];
  for (const source of files) {
    documentsOf(source.text).forEach((value, doc) => {
      listIn(value, 'policies').forEach((raw, index) => {
        const parsed = Policy.safeParse(raw);
        if (parsed.success) policies.push({ source, doc, index, policy: parsed.data });
      });
      for (const raw of listIn(value, 'classes')) {
        const parsed = IncidentClass.safeParse(raw);
        if (parsed.success) classes.push(parsed.data.name);
      }
    });
  }
  return { policies, classes };
}

const findingsOf = (files: readonly SourceFile[], issues: readonly PolicyIssue[]): Finding[] =>
  files.flatMap((source) => issueFindings(source, issues.filter((i) => i.file === source.file)));

function at(p: LocatedPolicy, rule: 'duplicate-id' | 'unknown-class', path: (string | number)[], message: string): Finding {
  const full = ['policies', p.index, ...path];
  return finding(rule, { file: p.source.file, ...locateNearest(p.source.text, full, p.doc), path: full, message });
}

/** As `parsePolicySet` checks a set across files, over every policy that parses. */
function acrossFiles(policies: readonly LocatedPolicy[], classes: readonly string[]): Finding[] {
  const first = new Map<string, LocatedPolicy>();
  return policies.flatMap((p) => {
    const other = first.get(p.policy.id);
    if (!other) first.set(p.policy.id, p);
    const cls = p.policy.match.signature?.similar_to?.class;
    return [
      ...(other ? [at(p, 'duplicate-id', ['id'], `policy id "${p.policy.id}" is also used in ${other.source.file}`)] : []),
      ...(cls !== undefined && !classes.includes(cls) ? [at(p, 'unknown-class', ['match', 'signature', 'similar_to', 'class'], `no incident class named "${cls}"`)] : []),
    ];
  });
}

/**
 * Checks policy files as Medic loads them (each file, then ids and classes across files) and
 * the test cases beside them, naming policies and classes as the files define them.
 */
export function checkPolicies(files: readonly SourceFile[], tests: readonly SourceFile[]): { findings: Finding[]; policies: LocatedPolicy[] } {
  const { policies, classes } = policiesOf(files);
  const cases = parseCaseFiles(tests.map((f) => ({ name: f.file, text: f.text })), { policies: policies.map((p) => p.policy.id), classes });
  return {
    findings: [
      ...files.flatMap((source) => {
        const parsed = parseYamlFile(source.text, PolicyFile);
        return parsed.kind === 'invalid' ? issueFindings(source, parsed.issues) : [];
      }),
      ...acrossFiles(policies, classes),
      ...(cases.kind === 'invalid' ? findingsOf(tests, cases.issues) : []),
    ],
    policies,
  };
}
