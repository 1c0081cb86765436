/** What `medic policies diff` compares: two policy revisions (folders or a git revision) and a history (a file or the store). */
import { readFile, stat } from 'node:fs/promises';
import type { Config } from '../config.ts';
import { formatIssue } from '../policies/check.ts';
import type { Revision } from '../policies/diff.ts';
import { policyFilesAt } from '../policies/git-revision.ts';
import { readHistory } from '../policies/history-file.ts';
import type { ReplayHistory } from '../policies/history.ts';
import { loadPolicySet, policyFiles } from '../policies/load.ts';
import { embedderFor } from '../runtime.ts';
import { createHashingEmbedder, type Embedder } from '../signatures/embedder.ts';

/** A value, or why there is none (the command then exits 2). */
export type Got<T> = { kind: 'ok'; value: T } | { kind: 'invalid'; message: string };

const isFolder = (path: string) => stat(path).then((s) => s.isDirectory(), () => false);

/** A policy set from a folder, or from `base` read as a git revision of the head folder's repository. */
export async function loadRevision(spec: string, headDir: string, embedder: Embedder, role: 'base' | 'head'): Promise<Got<Revision>> {
  let label = spec;
  let files: { name: string; text: string }[];
  if (role === 'head' || (await isFolder(spec))) {
    if (!(await isFolder(spec))) return { kind: 'invalid', message: `--${role}: ${spec} is not a folder` };
    files = await policyFiles(spec);
  } else {
    const at = await policyFilesAt(spec, headDir);
    if (at.kind === 'invalid') return at;
    label = at.label;
    files = at.files;
  }
  const loaded = await loadPolicySet(files, embedder);
  if (loaded.kind === 'invalid') {
    return { kind: 'invalid', message: `the ${role} policies (${label}) are invalid:\n${loaded.issues.map((i) => `  ${formatIssue(i, label)}`).join('\n')}` };
  }
  return { kind: 'ok', value: { label, set: loaded.set } };
}

/**
 * The embedder to embed incident classes with, so that they compare with the history's vectors:
 * the configured one, or the local hashing embedder the history was made with (it needs no key).
 */
export function embedderForHistory(made: string | null, config: Config): Got<Embedder> {
  const configured = embedderFor(config);
  if (made === null || made === configured.id) return { kind: 'ok', value: configured };
  const hashing = /^hashing-v1-(\d+)$/.exec(made);
  if (hashing) return { kind: 'ok', value: createHashingEmbedder(Number(hashing[1])) };
  return { kind: 'invalid', message: `the history's signature vectors were made by ${made}, and this Medic embeds with ${configured.id}: configure the same embedder (MEDIC_EMBEDDER, OPENAI_*) so that similarity to incident classes compares` };
}

/** A history file (`medic export history`) read and checked. */
export async function historyFile(path: string): Promise<Got<ReplayHistory>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { kind: 'invalid', message: `--history: cannot read ${path}: ${err instanceof Error ? err.message : String(err)}` };
  }
  const read = readHistory(text, path);
  return read.kind === 'ok' ? { kind: 'ok', value: read.history } : read;
}
