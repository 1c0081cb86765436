import { readFile } from 'node:fs/promises';
import { readHistory } from '../policies/history-file.ts';
import type { JobHistory } from './check.ts';

/** The jobs an exported history lists, or why it cannot say; an unreadable file is an error. */
export type FileHistory = { kind: 'ok'; history: JobHistory } | { kind: 'invalid'; message: string };

/**
 * The jobs sources had reported, read from `medic export history`'s file instead of the store, so a
 * check in CI needs no production database. An export made before jobs were listed, or with job
 * names replaced by hashes, cannot answer: the check is skipped, saying why.
 */
export async function openFileHistory(path: string): Promise<FileHistory> {
  const text = await readFile(path, 'utf8').catch((err: unknown) => err as Error);
  if (text instanceof Error) return { kind: 'invalid', message: `${path}: ${text.message}` };
  const read = readHistory(text, path);
  if (read.kind === 'invalid') return read;
  const { jobs, jobNamesAnonymised } = read.history;
  if (jobs === null) return { kind: 'ok', history: { kind: 'none', reason: `${path} is a format ${read.header.version} export, which lists no jobs: export it again with this Medic` } };
  if (jobNamesAnonymised) return { kind: 'ok', history: { kind: 'none', reason: `${path} was exported with --anonymise and without --keep-names: its job names are keyed hashes` } };
  const listed = new Set(jobs);
  return { kind: 'ok', history: { kind: 'lookup', reported: async (asked) => new Set(asked.filter((j) => listed.has(j))) } };
}
