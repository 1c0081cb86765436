/**
 * Glossary: a *configuration repository* holds what Medic is told as code — policies, service
 * definitions, prompts and approver groups; a *check* validates it as a whole; a *finding* is one
 * thing the check says about one place in one file; a *rule* is the stable id of a kind of finding.
 */

/** How much a finding matters: an error fails the check, a warning only with `--strict`, a note never. */
export type Level = 'error' | 'warning' | 'note';

/** What each rule finds and its level; ids are stable, for CI filters and SARIF consumers. */
export const RULES = {
  'yaml-syntax': { level: 'error', summary: 'The file is not valid YAML (or a prompt has no front matter).' },
  'duplicate-key': { level: 'error', summary: 'A mapping gives the same key twice.' },
  'alias-cycle': { level: 'error', summary: 'A YAML alias is inside the node it names, so the document would be infinite.' },
  'unknown-field': { level: 'error', summary: 'A field that the format does not have (a typo, or a field in the wrong place).' },
  'wrong-type': { level: 'error', summary: 'A field holds a value of the wrong type, or a required field is missing.' },
  'invalid-value': { level: 'error', summary: 'A field holds a value of the right type that is not allowed.' },
  'service-cycle': { level: 'error', summary: "Jobs of a service, or services through their 'downstream', depend on each other in a cycle." },
  'duplicate-id': { level: 'error', summary: 'Two policies, incident classes, services or approvers share a name.' },
  'unknown-class': { level: 'error', summary: 'A policy names an incident class that no policy file defines.' },
  'unknown-service': { level: 'error', summary: "A policy's match.services names no service the repository defines." },
  'unknown-downstream': { level: 'warning', summary: 'A service names a downstream service the repository does not define (it is forecast without a probability).' },
  'unknown-approver-group': { level: 'error', summary: 'A policy asks for approval from a group no approver belongs to.' },
  'gated-without-approvers': { level: 'error', summary: 'A gated action has too few approvers in its groups to ever be approved.' },
  'unknown-prompt': { level: 'error', summary: 'A run_agent action names a prompt that does not exist.' },
  'prompt-name': { level: 'error', summary: "A prompt file is not named <id>.v<version>.md after its front matter, or its body is empty." },
  'job-never-reported': { level: 'warning', summary: 'A job of a service has never been reported by any source.' },
  'check-skipped': { level: 'note', summary: 'A check could not run here, and why.' },
  'no-configuration': { level: 'error', summary: 'The folder holds none of policies/, services/, prompts/ or approvers.yaml.' },
} as const satisfies Record<string, { level: Level; summary: string }>;

export type Rule = keyof typeof RULES;

export const RULE_IDS = Object.keys(RULES) as Rule[];

/** One thing the check says about one place: `line` and `column` count from 1. */
export interface Finding {
  level: Level;
  rule: Rule;
  /** As the user wrote the folder: `config/policies/gated.yaml` for `medic check config`. */
  file: string;
  line: number;
  column: number;
  /** The field at fault, from the document's root: `['policies', 0, 'approval', 'groups', 1]`. */
  path: (string | number)[];
  message: string;
}

/** A file the check read, with what it holds (the rules that apply to it follow from that). */
export interface CheckedFile {
  file: string;
  kind: FileKind;
}

export type FileKind = 'policies' | 'policy-tests' | 'services' | 'prompt' | 'approvers';

/** The rules each kind of file is checked against: the test cases of a JUnit report. */
export const RULES_FOR: Record<FileKind, readonly Rule[]> = {
  policies: ['yaml-syntax', 'duplicate-key', 'alias-cycle', 'unknown-field', 'wrong-type', 'invalid-value', 'duplicate-id', 'unknown-class', 'unknown-service', 'unknown-approver-group', 'gated-without-approvers', 'unknown-prompt'],
  'policy-tests': ['yaml-syntax', 'duplicate-key', 'alias-cycle', 'unknown-field', 'wrong-type', 'invalid-value'],
  services: ['yaml-syntax', 'duplicate-key', 'alias-cycle', 'unknown-field', 'wrong-type', 'invalid-value', 'service-cycle', 'duplicate-id', 'unknown-downstream', 'job-never-reported'],
  prompt: ['yaml-syntax', 'duplicate-key', 'unknown-field', 'wrong-type', 'invalid-value', 'prompt-name'],
  approvers: ['yaml-syntax', 'duplicate-key', 'alias-cycle', 'unknown-field', 'wrong-type', 'invalid-value', 'duplicate-id'],
};

/** A check that did not run, and why (no store for the jobs, no services to match against). */
export interface SkippedCheck {
  rule: Rule;
  reason: string;
}

/** What `medic check` found in a repository. */
export interface CheckReport {
  /** The folder as given. */
  root: string;
  files: CheckedFile[];
  findings: Finding[];
  skipped: SkippedCheck[];
}

/** A finding at its rule's level. */
export const finding = (rule: Rule, at: Omit<Finding, 'rule' | 'level'>): Finding => ({ level: RULES[rule].level, rule, ...at });

/** By file, then position, then rule: the order every format prints. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
}

export function countLevels(findings: readonly Finding[]): Record<Level, number> {
  const counts = { error: 0, warning: 0, note: 0 };
  for (const f of findings) counts[f.level] += 1;
  return counts;
}

/** The exit code: 1 on an error, or on a warning with `strict`; notes never fail. */
export function exitCodeOf(findings: readonly Finding[], strict: boolean): 0 | 1 {
  return findings.some((f) => f.level === 'error' || (strict && f.level === 'warning')) ? 1 : 0;
}
