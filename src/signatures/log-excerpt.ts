/**
 * The lines of a long log that explain its failure, ranked by how much they explain rather than
 * matched against a list of one tool's messages. Each line scores for the words of failure it
 * holds, for being rare in the log (masked, a line printed once says more than progress printed
 * a thousand times), and for being near the end, where a failing build stops. A line a passing
 * run of the same job printed too (masked) is not the cause. Scores then flow along blocks: the
 * lines after a telling line (its frames, its expected/actual, its details) share its score,
 * decaying, until a blank line; the line before it gets a share as context. The best lines, at
 * most `maxLines`, are returned in log order. The weights are chosen leave one case out on real
 * breakages (`npm run eval:excerpts`); none names a tool.
 */
import { maskText } from './masking.ts';

export interface ExcerptWeights {
  /** Score of a line that holds words of failure. */
  words: number;
  /** Score of a line printed once; a line printed k times gets 1/k of it. */
  rarity: number;
  /** Score of the line where the log failed; it decays with the distance from it over `tailSpan` lines. */
  tail: number;
  tailSpan: number;
  /** How much faster closeness falls past the last line of failure (clean-up output). */
  after: number;
  /** Share of its score a line keeps when a passing run printed it too. */
  passKeep: number;
  /** Share of a line's score the next line inherits. */
  decay: number;
  /** The same for a line indented under it (frames, details): blocks hold together. */
  decayIn: number;
  /** Share of a line's score the line before it gets, as context. */
  back: number;
  /** Lines scoring below this share of the best line are left out, even with room to spare. */
  floor: number;
}

/** The weights `npm run eval:excerpts` chooses on all its cases. */
export const EXCERPT_WEIGHTS: ExcerptWeights = {
  words: 1, rarity: 0, tail: 2, tailSpan: 1000, after: 16, passKeep: 0.1, decay: 0.5, decayIn: 0.99, back: 0, floor: 0.1,
};

export interface ExcerptOptions {
  /** A log of a passing run of the same job: lines it printed too are not the cause. */
  passLog?: string;
  /** Most lines returned. @defaultValue 50 */
  maxLines?: number;
  weights?: Partial<ExcerptWeights>;
}

export interface Excerpt {
  /** 1-based line numbers, ascending. */
  lines: number[];
  excerpt: string;
  /** The lines shown, verbatim, in log order. */
  shown: string[];
  /** The 1-based number of the line that stands for the failure, or 0 for an empty log. */
  best: number;
}

/** What ranking needs of each line of a log; computed once, ranked under any weights. */
export interface LineFeatures {
  /** Words of failure on the line, at most 2. */
  words: number[];
  /** Lines of the log with the same masked text. */
  count: number[];
  /** A passing run printed the line too. */
  inPass: boolean[];
  blank: boolean[];
  /** Leading spaces, once colours and a leading timestamp are gone (a tab counts four). */
  indent: number[];
}

/** Splits a log into lines; a bare CR starts a line too (progress output). */
export function logLines(log: string): string[] {
  return log.split(/\r\n|\r|\n/);
}

// Terminal colours and the time a runner stamps on each line are not part of what a line says.
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;
const STAMP = /^\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\]? ?|^\[?\d\d:\d\d:\d\d(?:[.,]\d+)?\]? /;
// The words a failing program uses in any language or tool: the failure, its kind, its cause.
const FAILURE_WORDS = /\b(?:errors?|fail(?:s|ed|ing|ures?)?|fatal|exceptions?|panic(?:ked)?|abort(?:ed|ing)?|assert(?:ion)?(?:error)?|expected|actual|but was|cannot|can't|could not|couldn't|unable|denied|refused|timed out|timeout|not found|no such|undefined|unresolved|missing|invalid|illegal|unexpected|segmentation fault|killed|traceback|exit (?:code|status) [1-9]\d*)\b/gi;
// Counts of none: "0 errors", "Failures: 0" say that nothing failed.
const NONE = /\b0 (?:errors?|failures?|failed)\b|\b(?:errors?|failures?|failed): 0\b/gi;

/** A line as it was printed: no colours, no timestamp. */
const unstamped = (line: string) => line.replace(ANSI, '').replace(STAMP, '');
const indentOf = (line: string) => {
  let n = 0;
  for (const ch of line) {
    if (ch === ' ') n++;
    else if (ch === '\t') n += 4;
    else break;
  }
  return n;
};

function failureWords(text: string): number {
  const words = new Set((text.replace(NONE, ' ').match(FAILURE_WORDS) ?? []).map((w) => w.toLowerCase()));
  return Math.min(2, words.size);
}

export function lineFeatures(lines: readonly string[], passLog?: string): LineFeatures {
  const printed = lines.map(unstamped);
  const cleaned = printed.map((l) => l.trim());
  const keys = cleaned.map((l) => maskText(l));
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  const passing = passLog === undefined ? undefined : new Set(logLines(passLog).map((l) => maskText(unstamped(l).trim())));
  return {
    words: cleaned.map(failureWords),
    count: keys.map((k) => counts.get(k) ?? 1),
    inPass: keys.map((k, i) => passing !== undefined && cleaned[i] !== '' && passing.has(k)),
    blank: cleaned.map((l) => l === ''),
    indent: printed.map(indentOf),
  };
}

/** The 0-based indexes of the lines to show, ascending, and the standing line's index (-1 when none). */
export function rankLines(f: LineFeatures, maxLines: number, w: ExcerptWeights): { chosen: number[]; best: number } {
  const n = f.words.length;
  const own = new Float64Array(n);
  // Where the log failed: its last line with words of failure that a passing run did not print.
  // Lines after it are mostly clean-up, so closeness counts from there, and falls faster past it.
  let anchor = n - 1;
  while (anchor > 0 && !((f.words[anchor] ?? 0) > 0 && !f.inPass[anchor])) anchor--;
  if (anchor === 0 && !((f.words[0] ?? 0) > 0)) anchor = n - 1;
  for (let i = 0; i < n; i++) {
    if (f.blank[i]) continue;
    const distance = i <= anchor ? anchor - i : (i - anchor) * w.after;
    const s = (w.words * (f.words[i] ?? 0)) / 2 + w.rarity / (f.count[i] ?? 1) + w.tail * Math.exp(-distance / w.tailSpan);
    own[i] = f.inPass[i] ? s * w.passKeep : s;
  }
  // The words of failure make a line telling; a block only carries what its head has of them.
  const telling = Float64Array.from(own, (s, i) => ((f.words[i] ?? 0) > 0 ? s : s * 0.5));
  const score = new Float64Array(telling);
  let head = 0;
  for (let i = 1; i < n; i++) {
    if (f.blank[i]) continue;
    const inside = (f.indent[i] ?? 0) > (f.indent[head] ?? 0);
    if (!inside) head = i;
    score[i] = Math.max(score[i] as number, (score[i - 1] as number) * (inside ? w.decayIn : w.decay));
  }
  for (let i = n - 2; i >= 0; i--) if (!f.blank[i]) score[i] = Math.max(score[i] as number, (telling[i + 1] as number) * w.back);
  let top = 0;
  for (const s of score) top = Math.max(top, s);
  const order = [...score.keys()].filter((i) => !f.blank[i] && (score[i] as number) > 0 && (score[i] as number) >= top * w.floor);
  // Later lines first among equals: a failing log ends where it failed.
  order.sort((a, b) => (score[b] as number) - (score[a] as number) || b - a);
  const chosen = order.slice(0, maxLines).sort((a, b) => a - b);
  // The line that stands for the failure: of those shown with the most words of failure and not
  // printed by a passing run, the rarest, then the first. The first error is the specific one
  // (the compiler message, the exception); later ones summarise it.
  let best = -1;
  const standing = (i: number) => (f.words[i] ?? 0) - (f.count[i] ?? 1) / (n + 1) - (f.inPass[i] ? 2 : 0);
  for (const i of chosen) if (best < 0 || standing(i) > standing(best)) best = i;
  return { chosen, best };
}

/** Picks the lines that explain the failure, at most `maxLines`, in log order. */
export function extractErrorLines(log: string, options: ExcerptOptions = {}): Excerpt {
  const lines = logLines(log);
  const { chosen, best } = rankLines(lineFeatures(lines, options.passLog), options.maxLines ?? 50, { ...EXCERPT_WEIGHTS, ...options.weights });
  const shown = chosen.map((i) => lines[i] ?? '');
  return { lines: chosen.map((i) => i + 1), excerpt: shown.join('\n'), shown, best: best + 1 };
}
