import { extractErrorLines } from './log-excerpt.ts';
import { reduceFailure } from './traces.ts';

/** What the signature of a failure is built from. */
export interface FailureDescription {
  /** The one line the template miner sees: `ExceptionType: message` or the telling log line. */
  line: string;
  exceptionType: string | null;
  language: string | null;
  /** Top application frames, most specific first, as `file:function`. */
  frames: string[];
}

const MAX_LINE = 2_000;

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim() !== '') ?? text).trim().slice(0, MAX_LINE);
}

/**
 * Reduces a failure (message plus optional stack trace or log) to what identifies it: a stack
 * trace gives exception type, message and top frames; a long log gives its most telling error
 * line; a short message is its own first line.
 */
export function describeFailure(message: string, detail: string | null): FailureDescription {
  for (const text of detail ? [detail, message, `${message}\n${detail}`] : [message]) {
    const reduced = reduceFailure(text);
    if (reduced.kind === 'stack') {
      const root = reduced.rootCause ?? reduced;
      const msg = root.message.trim() !== '' ? firstLine(root.message) : firstLine(message);
      return {
        line: `${root.exceptionType}: ${msg}`.slice(0, MAX_LINE),
        exceptionType: root.exceptionType,
        language: reduced.language,
        frames: reduced.frames.map(frameLabel),
      };
    }
  }
  const lines = message.split('\n').filter((l) => l.trim() !== '');
  if (lines.length > 3) {
    // The line of the log that explains most stands for it.
    const { lines, shown, best } = extractErrorLines(message);
    const line = shown[lines.indexOf(best)]?.trim();
    if (line) return { line: line.slice(0, MAX_LINE), exceptionType: null, language: null, frames: [] };
  }
  return { line: firstLine(message), exceptionType: null, language: null, frames: [] };
}

function frameLabel(frame: unknown): string {
  if (typeof frame === 'string') return frame;
  if (typeof frame === 'object' && frame !== null) {
    const f = frame as { file?: unknown; function?: unknown; fn?: unknown };
    const fn = typeof f.function === 'string' ? f.function : typeof f.fn === 'string' ? f.fn : '';
    return [typeof f.file === 'string' ? f.file : '', fn].filter(Boolean).join(':');
  }
  return String(frame);
}
