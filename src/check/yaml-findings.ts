import { parseAllDocuments } from 'yaml';
import { locateInYaml } from '../policies/locate.ts';
import type { FileIssue } from '../yaml-file.ts';
import { finding, type Finding, type Rule } from './finding.ts';

/** A file of the repository: the path as the user will read it, and its text. */
export interface SourceFile {
  file: string;
  text: string;
}

const RULE_OF_CODE: Readonly<Record<string, Rule>> = {
  DUPLICATE_KEY: 'duplicate-key',
  ALIAS_CYCLE: 'alias-cycle',
  unrecognized_keys: 'unknown-field',
  invalid_type: 'wrong-type',
  cycle: 'service-cycle',
};

/** The rule of a file issue: other parser errors are syntax, other schema issues are values not allowed. */
export function ruleOf(code: string | undefined): Rule {
  const known = code === undefined ? undefined : RULE_OF_CODE[code];
  if (known) return known;
  return code !== undefined && /^[A-Z_]+$/.test(code) ? 'yaml-syntax' : 'invalid-value';
}

/**
 * Where the node at `path` of the `doc`-th document starts, or its nearest ancestor that is
 * written (a field left to its default points at the object that lacks it).
 */
export function locateNearest(text: string, path: readonly (string | number)[], doc?: number): { line: number; column: number } {
  for (let n = path.length; n >= 0; n--) {
    const at = locateInYaml(text, path.slice(0, n), doc);
    if (at) return at;
  }
  return { line: 1, column: 1 };
}

/** A file's issues as findings; issues found across files (line 0) get the line of the field they name. */
export function issueFindings(source: SourceFile, issues: readonly FileIssue[], lineOffset = 0): Finding[] {
  return issues.map((i) => {
    const at = i.line > 0 ? { line: i.line + lineOffset, column: i.column } : locateNearest(source.text, i.path);
    return finding(ruleOf(i.code), { file: source.file, ...at, path: i.path, message: i.message });
  });
}

/**
 * Each document of a file as plain data, numbered as `locateInYaml` numbers them; `undefined` for
 * a document that does not parse. Cross-references are checked on what parses, so that one bad
 * policy does not hide the references of the others.
 */
export function documentsOf(text: string): unknown[] {
  const parsed = parseAllDocuments(text, { prettyErrors: false });
  return (Array.isArray(parsed) ? parsed : [parsed]).filter((d) => d.contents !== null).map((d) => {
    if (d.errors.length > 0) return undefined;
    try {
      return d.toJS({ maxAliasCount: 100 });
    } catch {
      return undefined;
    }
  });
}

/** The elements of `field` (a list) in a document, when it is one. */
export function listIn(doc: unknown, field: string): unknown[] {
  if (typeof doc !== 'object' || doc === null) return [];
  const value = (doc as Record<string, unknown>)[field];
  return Array.isArray(value) ? value : [];
}
