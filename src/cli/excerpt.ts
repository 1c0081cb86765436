import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { extractErrorLines } from '../signatures/log-excerpt.ts';
import { readStdinBytes } from './read-payloads.ts';

/** What became of one file: its excerpt, or why it has none. */
export type FileExcerpt =
  | { file: string; kind: 'excerpt'; lines: string[] }
  | { file: string; kind: 'error'; error: string };

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A log as text, or why it is not one: missing, empty, binary (NUL bytes) or not UTF-8. */
export function logText(bytes: Buffer): { kind: 'text'; text: string } | { kind: 'error'; error: string } {
  if (bytes.length === 0) return { kind: 'error', error: 'empty file' };
  if (bytes.includes(0)) return { kind: 'error', error: 'binary file (it holds NUL bytes)' };
  try {
    return { kind: 'text', text: STRICT_UTF8.decode(bytes) };
  } catch {
    return { kind: 'error', error: 'not UTF-8 text' };
  }
}

export interface ExcerptRequest {
  maxLines: number;
  passLog?: string;
  read: (path: string) => Promise<Buffer>;
}

/** The excerpt of each file, in the order given; one file's fault never stops the others. */
export async function excerptFiles(paths: string[], request: ExcerptRequest): Promise<FileExcerpt[]> {
  const out: FileExcerpt[] = [];
  for (const file of paths) {
    let bytes: Buffer;
    try {
      bytes = await request.read(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      out.push({ file, kind: 'error', error: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message });
      continue;
    }
    const text = logText(bytes);
    if (text.kind === 'error') {
      out.push({ file, ...text });
      continue;
    }
    const { shown } = extractErrorLines(text.text, { maxLines: request.maxLines, ...(request.passLog === undefined ? {} : { passLog: request.passLog }) });
    out.push({ file, kind: 'excerpt', lines: shown });
  }
  return out;
}

const readPath = (path: string) => (path === '-' ? readStdinBytes() : readFile(path));

export function registerExcerpt(program: Command): void {
  program.command('excerpt')
    .description('print the lines of each build or job log that explain its failure (- reads stdin)')
    .argument('<files...>', 'log files; - for stdin')
    .option('--json', 'one JSON object a line: {"file": PATH, "excerpt": [LINE, ...]} (or {"file", "error"})')
    .option('--max-lines <n>', 'most lines per excerpt', '50')
    .option('--pass-log <file>', 'a log of a passing run of the same job: lines it printed too are not the cause')
    .addHelpText('after', '\nExit status: 0 when every file had an excerpt, 1 when some file could not be read as a text log.')
    .action(async (files: string[], opts: { json?: boolean; maxLines: string; passLog?: string }) => {
      const maxLines = Number(opts.maxLines);
      if (!Number.isInteger(maxLines) || maxLines < 1) throw new Error(`--max-lines must be a whole number of at least 1, not ${opts.maxLines}`);
      let passLog: string | undefined;
      if (opts.passLog !== undefined) {
        const pass = logText(await readFile(opts.passLog));
        if (pass.kind === 'error') throw new Error(`--pass-log ${opts.passLog}: ${pass.error}`);
        passLog = pass.text;
      }
      const results = await excerptFiles(files, { maxLines, read: readPath, ...(passLog === undefined ? {} : { passLog }) });
      const out: string[] = [];
      for (const r of results) {
        if (opts.json) {
          out.push(JSON.stringify(r.kind === 'excerpt' ? { file: r.file, excerpt: r.lines } : { file: r.file, error: r.error }));
        } else if (r.kind === 'error') {
          process.stderr.write(`medic excerpt: ${r.file}: ${r.error}\n`);
        } else {
          if (files.length > 1) out.push(`==> ${r.file} <==`);
          out.push(...r.lines);
        }
      }
      if (out.length) process.stdout.write(`${out.join('\n')}\n`);
      if (results.some((r) => r.kind === 'error')) process.exitCode = 1;
    });
}
