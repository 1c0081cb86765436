/**
 * Failure texts read in place from the shared reference data: lines of the real CI breakages
 * (labri-progress/cidiff) and messages of Loghub-2k (logpai/loghub), named by file and line or
 * by event id, never copied into the repository.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { loadSystem, SYSTEMS, type Labelled } from '../signatures/loghub.ts';

/** Where the reference data lives: `MEDIC_SHARED_DATA`, else `../shared/data` beside the repository. */
export const sharedDataDir = (): string => process.env.MEDIC_SHARED_DATA ?? fileURLToPath(new URL('../../../shared/data', import.meta.url));

const Line = z.number().int().min(1);

/** A failure text, by where it is in the reference data; `frame` wraps it in a few words of context (`{}` is the text). */
export const TextRef = z.union([
  z.strictObject({
    /** A case of `ci-breakages/`: its whole `fail.log`, one line, or a range of lines (1-based, as its ground truth counts them). */
    ci: z.string().regex(/^[a-z0-9_]+$/),
    line: Line.optional(),
    lines: z.tuple([Line, Line]).optional(),
    frame: z.string().optional(),
  }),
  z.strictObject({
    /** A system of `loghub-2k/`: the `nth` message of an event, or the raw log lines around it with `context`. */
    loghub: z.enum(SYSTEMS),
    event: z.string().regex(/^E\d+$/),
    nth: z.number().int().min(0).default(0),
    context: z.tuple([z.number().int().min(0), z.number().int().min(0)]).optional(),
    frame: z.string().optional(),
  }),
  /** Written for the eval: only where the reference data holds no failure of the class (rate limits). */
  z.strictObject({ text: z.string().min(1), frame: z.string().optional() }),
]);
export type TextRef = z.infer<typeof TextRef>;

/** Where a text came from: the data as it is, the data in a few words of context, or written for the eval. */
export type Origin = 'real' | 'framed' | 'synthetic';

// Terminal colours: what a log viewer shows is the text without them.
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
const splitLines = (text: string) => text.split(/\r\n|\r|\n/);

/** Reads texts from one data folder, each file once. */
export function createTextReader(dataDir: string) {
  const files = new Map<string, string[]>();
  const systems = new Map<string, Labelled[]>();
  const linesOf = (path: string) => {
    let lines = files.get(path);
    if (!lines) files.set(path, (lines = splitLines(readFileSync(path, 'utf8').replace(ANSI, ''))));
    return lines;
  };
  const slice = (path: string, from: number, to: number, what: string) => {
    const lines = linesOf(path);
    if (from > to || to > lines.length) throw new Error(`${what}: lines ${from}-${to} are not in ${path} (${lines.length} lines)`);
    return lines.slice(from - 1, to).join('\n');
  };

  function loghub(ref: Extract<TextRef, { loghub: string }>): string {
    let messages = systems.get(ref.loghub);
    if (!messages) systems.set(ref.loghub, (messages = loadSystem(join(dataDir, 'loghub-2k'), ref.loghub)));
    const index = messages.map((m, i) => (m.eventId === ref.event ? i : -1)).filter((i) => i >= 0)[ref.nth];
    if (index === undefined) throw new Error(`loghub ${ref.loghub}: no message ${ref.nth} of event ${ref.event}`);
    if (!ref.context) return messages[index]?.content ?? '';
    // The structured file keeps the raw log's order: message i is line i + 1 of the raw log.
    const line = index + 1;
    const path = join(dataDir, 'loghub-2k', ref.loghub, `${ref.loghub}_2k.log`);
    return slice(path, Math.max(1, line - ref.context[0]), Math.min(linesOf(path).length, line + ref.context[1]), `loghub ${ref.loghub} ${ref.event}`);
  }

  function ci(ref: Extract<TextRef, { ci: string }>): string {
    const path = join(dataDir, 'ci-breakages', ref.ci, 'fail.log');
    if (ref.line !== undefined) return slice(path, ref.line, ref.line, `ci ${ref.ci}`);
    if (ref.lines) return slice(path, ref.lines[0], ref.lines[1], `ci ${ref.ci}`);
    return linesOf(path).join('\n');
  }

  return {
    /** The text a reference names, framed when asked, with where it came from. */
    read(ref: TextRef): { text: string; origin: Origin } {
      const base = 'text' in ref ? ref.text : 'ci' in ref ? ci(ref) : loghub(ref);
      const origin: Origin = 'text' in ref ? 'synthetic' : ref.frame ? 'framed' : 'real';
      return { text: ref.frame ? ref.frame.replace('{}', () => base.trim()) : base, origin };
    },
  };
}

export type TextReader = ReturnType<typeof createTextReader>;
