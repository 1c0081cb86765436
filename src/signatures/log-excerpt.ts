/**
 * The lines of a long log that explain its failure: error and failure lines with the stack-trace
 * and compiler-message lines that go with them. With the log of a passing run of the same job,
 * lines that also appear there (masked) are not the cause and are dropped.
 */
import { maskText } from './masking.ts';

export interface ExcerptOptions {
  /** A log of a passing run of the same job, for the diff-aware mode. */
  passLog?: string;
  /** Most lines returned. @defaultValue 400 */
  maxLines?: number;
}

export interface Excerpt {
  /** 1-based line numbers, ascending. */
  lines: number[];
  excerpt: string;
}

const STRONG = /^\s*(?:\[(?:ERROR|FATAL)\]|ERROR[:\s]|FATAL[:\s]|E\s{2,}|npm ERR!|error(?:\[\w+\])?:|FAILED|FAIL:?\s|BUILD FAILURE|Traceback \(most recent call last\)|panic:)|\b(?:\S+\.\w+):\d+(?::\d+)?:?\s+(?:error|fatal error)\b|(?:Tests run:.*(?:Failures|Errors): [1-9])|\b\w+(?:Exception|Error)\b:|AssertionError|expected:?\s*<.*> but was/;
const WEAK = /\b(?:errors?|exception|fail(?:ed|ure|s)?|fatal|cannot|could not|unable to|denied|refused|timed? ?out|not found|undefined|segmentation fault|killed|abort(?:ed)?)\b/i;
const NOISE = /\b0 (?:errors?|failures?)\b|Failures: 0, Errors: 0|-Werror|errorprone|^\s*\[(?:INFO|DEBUG|WARNING)\]|Download(?:ing|ed)|^\s*$|To see the full stack trace|Re-run Maven|For more information about the errors|\[Help \d\]|^\[ERROR\]\s*$/i;
// Where an error block stops: a blank line, or a line of ordinary progress output.
const BLOCK_END = /^\s*$|^\s*\[(?:INFO|DEBUG)\]|^(?:Download|Progress|Running |BUILD SUCCESS)/;
const MAX_BLOCK = 300;

function score(line: string): number {
  if (NOISE.test(line)) return 0;
  if (STRONG.test(line)) return 2;
  return WEAK.test(line) ? 1 : 0;
}

/** Picks the lines that carry the error, last failing block first in importance. */
export function extractErrorLines(log: string, options: ExcerptOptions = {}): Excerpt {
  const lines = log.split(/\r\n|\r|\n/); // a bare CR starts a line too (progress output)
  const passing = options.passLog ? new Set(options.passLog.split(/\r\n|\r|\n/).map((l) => maskText(l.trim()))) : undefined;
  const keep = new Set<number>();
  lines.forEach((line, i) => {
    if (score(line) < 2) return;
    if (passing?.has(maskText(line.trim()))) return;
    keep.add(i);
    // The lines that belong to this error: its stack frames, details and test output, up to the block's end.
    for (let j = i + 1; j < lines.length && j < i + MAX_BLOCK && !BLOCK_END.test(lines[j] ?? ''); j++) keep.add(j);
  });
  if (keep.size === 0) lines.forEach((line, i) => { if (score(line) === 1 && !passing?.has(maskText(line.trim()))) keep.add(i); });
  const max = options.maxLines ?? 400;
  // The cause is usually near the end of a failing log: keep the last lines when there are too many.
  const chosen = [...keep].sort((a, b) => a - b).slice(-max);
  return { lines: chosen.map((i) => i + 1), excerpt: chosen.map((i) => lines[i]).join('\n') };
}
