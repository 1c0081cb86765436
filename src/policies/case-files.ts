import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseYamlFile } from '../yaml-file.ts';
import { caseFileSchema, type KnownNames, type PolicyCase } from './cases.ts';
import { isCaseFile } from './file-names.ts';
import type { PolicyIssue } from './load.ts';
import { locateInYaml } from './locate.ts';

/** A case with where it is written, for the report. */
export interface LocatedCase {
  file: string;
  line: number;
  case: PolicyCase;
}

/** The case files of a folder: `*.test.yaml` and `*.test.yml`, beside the policies. */
export async function caseFiles(dir: string): Promise<{ name: string; text: string }[]> {
  const names = (await readdir(dir)).filter(isCaseFile).sort();
  return Promise.all(names.map(async (name) => ({ name, text: await readFile(join(dir, name), 'utf8') })));
}

/**
 * Validates case files, each fault with its line, column and field; with `known`, names of
 * policies and classes that the set does not have are faults too.
 */
export function parseCaseFiles(files: { name: string; text: string }[], known: KnownNames | null): { kind: 'ok'; cases: LocatedCase[] } | { kind: 'invalid'; issues: PolicyIssue[] } {
  const schema = caseFileSchema(known);
  const issues: PolicyIssue[] = [];
  const cases: LocatedCase[] = [];
  for (const f of files) {
    const parsed = parseYamlFile(f.text, schema);
    if (parsed.kind === 'invalid') {
      issues.push(...parsed.issues.map((i) => ({ ...i, file: f.name })));
      continue;
    }
    parsed.values.forEach((doc, d) => doc.cases.forEach((c, i) => {
      cases.push({ file: f.name, line: locateInYaml(f.text, ['cases', i], d)?.line ?? 0, case: c });
    }));
  }
  return issues.length ? { kind: 'invalid', issues } : { kind: 'ok', cases };
}
