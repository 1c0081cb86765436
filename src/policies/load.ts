import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeFailure } from '../signatures/describe.ts';
import type { Embedder } from '../signatures/embedder.ts';
import { maskText } from '../signatures/masking.ts';
import { parseYamlFile, type FileIssue } from '../yaml-file.ts';
import { isPolicyFile } from './file-names.ts';
import { PolicyFile, type IncidentClass, type Policy } from './schema.ts';

/** A policy set as loaded: sorted by priority, with its revision and its classes embedded. */
export interface PolicySet {
  /** Hash of every file's name and content: the same files, the same revision. */
  revision: string;
  loadedAt: Date;
  files: string[];
  /** Highest priority first; ties by id, so that evaluation order never depends on file order. */
  policies: readonly Policy[];
  classes: readonly IncidentClass[];
  /** Each class's example embeddings, for `match.signature.similar_to`. */
  classVectors: ReadonlyMap<string, number[][]>;
}

/** A file's issues, named by the file. */
export interface PolicyIssue extends FileIssue {
  file: string;
}

export type LoadedPolicies = { kind: 'ok'; set: PolicySet } | { kind: 'invalid'; issues: PolicyIssue[] };

/** The policy files of a folder: `*.yaml` and `*.yml`, not the `*.test.yaml` cases beside them. */
export async function policyFiles(dir: string): Promise<{ name: string; text: string }[]> {
  const names = (await readdir(dir)).filter(isPolicyFile).sort();
  return Promise.all(names.map(async (name) => ({ name, text: await readFile(join(dir, name), 'utf8') })));
}

/**
 * Validates policy files as a set: each file on its own (line, column and field of every fault),
 * then across files — unique policy and class ids, classes that `similar_to` names exist.
 */
export function parsePolicySet(files: { name: string; text: string }[]): { kind: 'ok'; policies: Policy[]; classes: IncidentClass[] } | { kind: 'invalid'; issues: PolicyIssue[] } {
  const issues: PolicyIssue[] = [];
  const policies: (Policy & { file: string; index: number })[] = [];
  const classes: IncidentClass[] = [];
  for (const f of files) {
    const parsed = parseYamlFile(f.text, PolicyFile);
    if (parsed.kind === 'invalid') {
      issues.push(...parsed.issues.map((i) => ({ ...i, file: f.name })));
      continue;
    }
    for (const doc of parsed.values) {
      doc.policies.forEach((p, index) => policies.push({ ...p, file: f.name, index }));
      classes.push(...doc.classes);
    }
  }
  const seen = new Map<string, string>();
  for (const p of policies) {
    const other = seen.get(p.id);
    if (other) issues.push({ file: p.file, line: 0, column: 0, path: ['policies', p.index, 'id'], message: `policy id "${p.id}" is also used in ${other}` });
    seen.set(p.id, p.file);
    const cls = p.match.signature?.similar_to?.class;
    if (cls && !classes.some((c) => c.name === cls)) {
      issues.push({ file: p.file, line: 0, column: 0, path: ['policies', p.index, 'match', 'signature', 'similar_to', 'class'], message: `no incident class named "${cls}"` });
    }
  }
  if (issues.length) return { kind: 'invalid', issues };
  const sorted = policies.sort((a, b) => b.priority - a.priority || a.id.localeCompare(b.id)).map(({ file: _f, index: _i, ...p }) => p);
  return { kind: 'ok', policies: sorted, classes };
}

/** Loads, validates and embeds a policy set. */
export async function loadPolicySet(files: { name: string; text: string }[], embedder: Embedder, now = new Date()): Promise<LoadedPolicies> {
  const parsed = parsePolicySet(files);
  if (parsed.kind === 'invalid') return parsed;
  const hash = createHash('sha256');
  for (const f of files) hash.update(f.name).update('\u0000').update(f.text).update('\u0000');
  const classVectors = new Map<string, number[][]>();
  for (const c of parsed.classes) classVectors.set(c.name, await embedder.embed(c.examples.map(exampleText)));
  return {
    kind: 'ok',
    set: { revision: hash.digest('hex').slice(0, 12), loadedAt: now, files: files.map((f) => f.name), policies: parsed.policies, classes: parsed.classes, classVectors },
  };
}

/** An example failure as the embedder sees a signature: exception type, masked message, top frames. */
export function exampleText(example: string): string {
  const d = describeFailure(example, null);
  return [d.exceptionType ?? '', maskText(d.line), ...d.frames.slice(0, 3)].join(' ');
}
