import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { isPolicyFile } from './file-names.ts';

const exec = promisify(execFile);
const git = async (cwd: string, args: string[]) => (await exec('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 })).stdout;

/** A policy folder as it was at a git revision. */
export type FilesAtRevision =
  | { kind: 'ok'; label: string; files: { name: string; text: string }[]; /** The folder did not exist at that revision. */ absent: boolean }
  | { kind: 'invalid'; message: string };

/**
 * The policy files (`*.yaml`, `*.yml`, not `*.test.yaml`) of the folder `dir` as they were at git
 * revision `ref` of the repository holding `dir`: the folder's path inside the repository, read
 * at that revision with `git ls-tree` and `git cat-file`.
 */
export async function policyFilesAt(ref: string, dir: string): Promise<FilesAtRevision> {
  let top: string;
  try {
    top = (await git(dir, ['rev-parse', '--show-toplevel'])).trim();
  } catch {
    return { kind: 'invalid', message: `--base: ${ref} is not a folder, and ${dir} is not inside a git repository to read it from` };
  }
  try {
    await git(top, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    return { kind: 'invalid', message: `--base: ${ref} is neither a folder nor a revision of the git repository at ${top}` };
  }
  const rel = relative(await realpath(top), await realpath(dir)).split(sep).join('/');
  const label = `${ref}:${rel || '.'}`;
  const listed = (await git(top, ['ls-tree', '--name-only', '-z', ref, '--', rel ? `${rel}/` : '.'])).split('\0').filter(Boolean);
  const names = listed.map((p) => p.slice(p.lastIndexOf('/') + 1)).filter(isPolicyFile).sort();
  const files = await Promise.all(names.map(async (name) => ({ name, text: await git(top, ['cat-file', 'blob', `${ref}:${rel ? `${rel}/` : ''}${name}`]) })));
  return { kind: 'ok', label, files, absent: listed.length === 0 };
}
