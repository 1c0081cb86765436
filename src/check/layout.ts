import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceFile } from './yaml-findings.ts';

/**
 * Where a configuration repository keeps each part. Every part is optional; a flag of `medic
 * check` points a part elsewhere. @defaultValue `policies/`, `services/`, `prompts/`, `approvers.yaml` under the root
 */
export interface RepositoryLayout {
  root: string;
  /** Policy files and the `*.test.yaml` cases beside them (what `MEDIC_POLICIES_DIR` names). */
  policies: string;
  /** Service definitions, one or more to a file (what `medic services apply` takes). */
  services: string;
  /** Agent prompts, `<id>.v<version>.md`. */
  prompts: string;
  /** The approvers, as `MEDIC_APPROVERS` lists them. */
  approvers: string;
}

export function layoutOf(root: string, given: Partial<Omit<RepositoryLayout, 'root'>> = {}): RepositoryLayout {
  return {
    root,
    policies: given.policies ?? join(root, 'policies'),
    services: given.services ?? join(root, 'services'),
    prompts: given.prompts ?? join(root, 'prompts'),
    approvers: given.approvers ?? join(root, 'approvers.yaml'),
  };
}

const missing = (err: unknown) => typeof err === 'object' && err !== null && 'code' in err && (err.code === 'ENOENT' || err.code === 'ENOTDIR');

/** The files of a folder whose names pass `keep`, by name; null when there is no such folder. */
export async function readFolder(dir: string, keep: (name: string) => boolean): Promise<SourceFile[] | null> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter(keep).sort();
  } catch (err) {
    if (missing(err)) return null;
    throw err;
  }
  return Promise.all(names.map(async (name) => ({ file: join(dir, name), text: await readFile(join(dir, name), 'utf8') })));
}

/** A file, or null when it is not there. */
export async function readOptional(file: string): Promise<SourceFile | null> {
  try {
    return { file, text: await readFile(file, 'utf8') };
  } catch (err) {
    if (missing(err)) return null;
    throw err;
  }
}

export const isPrompt = (name: string) => name.endsWith('.md');
