/**
 * Masking of the parts of a message that are variable by their shape alone, with one generic
 * configuration for every source: anything that carries a digit (numbers, ids, hashes, IPs,
 * ports, times, sizes), date-times, URLs, paths, e-mail addresses, and literal values such as
 * `true` or `null` become `<*>`. The words around them and the punctuation that ties them
 * (`=`, `:`, `@`, brackets) stay, so `port=5432` reads `port=<*>`. Variables that carry no such
 * shape (user names, host names, enumerations…) are left to the template miner, which finds
 * them from how messages vary.
 */

/** The placeholder for a variable part. */
export const WILDCARD = '<*>';

/** Shape rules that can be switched off, for the leave-one-system-out evaluation. */
export interface MaskOptions {
  /** Quoted values (`"…"`, `'…'`) are variables. @defaultValue false */
  quoted?: boolean;
  /** A value and its unit are one variable (`35 ms`). @defaultValue false */
  units?: boolean;
  /** `true`, `false` and `null` are values. @defaultValue true */
  literals?: boolean;
  /** Values joined by a colon are one value (`10.0.0.1:5432`). @defaultValue true */
  colon?: boolean;
}

/** A message cut into tokens: the masked token and the text it came from, position by position. */
export interface MaskedTokens {
  tokens: string[];
  raw: string[];
  /** Positions whose token held a whole masked span (a date, URL, path, address). */
  spans?: Set<number>;
}

// Date-times that contain spaces: ISO with a space, `Sun Jul 10 09:42:05 2005`, `Jul 10 09:42:05`.
const DATE_HINT = /\d:\d\d/;
const DATE_SPANS = /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?|\b(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? +)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* +\d{1,2},? +(?:\d{4} +)?\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?: +(?:AM|PM))?(?: +[A-Z]{3,4})?(?: +\d{4})?\b/g;

// Spans masked whole, each tried only when a cheap test says it could match.
const SPANS: { hint: (s: string) => boolean; re: RegExp }[] = [
  { hint: (s) => s.includes('://'), re: /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>()\]]+/gi }, // URLs
  { hint: (s) => s.includes('@'), re: /\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g }, // e-mail addresses
  { hint: (s) => HOST_PORT_HINT.test(s), re: /(?<![\w.-])[A-Za-z][\w-]*(?:\.[\w-]+)+:\d{1,5}(?![\w.])/g }, // host:port
  { hint: (s) => s.includes('-'), re: /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi }, // UUIDs
  { hint: (s) => s.includes('/') || s.includes('\\'), re: /(?<![\w/])(?:[A-Za-z]:)?(?:[\\/][\w.$~-]+){2,}[\\/]?/g }, // paths of two or more parts
];
const HOST_PORT_HINT = /[A-Za-z]:\d/;
const QUOTED = /"[^"\n]{0,200}"|(?<![\w])'[^'\n]{0,200}'(?![\w])/g;

// A masked span stands in the text as `\u0004<n>\u0005` until the message is cut into tokens.
const HIDDEN = /\u0004(\d+)\u0005/g;
// Inside a token, parts are split at the separators of CLASS below; a part with a digit is a value.
const LITERAL = /^(?:true|false|null|TRUE|FALSE|NULL|True|False)$/;
// A dotted name with a digit is a module or class (psycopg2.OperationalError, log4j.Logger), not a value.
const DOTTED_NAME = /^[A-Za-z_][A-Za-z_\d]*(?:\.[A-Za-z_][A-Za-z_\d]*)*\.[A-Z][A-Za-z]*(?:Error|Exception)$/;
// Values glued by punctuation without a space are one value: `10.0.0.1:5432`, `12-34`, `a_1/b_2`.
const GLUED = /<\*>(?:[.\-_/#:]*<\*>)+/g;
const GLUED_NO_COLON = /<\*>(?:[.\-_/#]*<\*>)+/g;
const WITH_UNIT = /^(?:ms|s|sec|secs|seconds?|mins?|minutes?|h|hrs?|hours?|days?|b|bytes?|kb|mb|gb|tb|kib|mib|gib|%)$/i;

interface Span {
  raw: string;
  masked: string;
}

let hidden: Span[] = [];
function hide(raw: string, masked: string): string {
  hidden.push({ raw, masked });
  return `\u0004${hidden.length - 1}\u0005`;
}
const hideWhole = (m: string) => hide(m, WILDCARD);
const hideQuoted = (m: string) => hide(m, `${m[0]}${WILDCARD}${m[0]}`);

// The spans of one message are collected in `hidden`: masking is synchronous, one message at a time.
function hideSpans(text: string, options: MaskOptions): string {
  hidden = [];
  let s = text;
  if (DATE_HINT.test(s)) s = s.replace(DATE_SPANS, hideWhole);
  if (options.quoted && (s.includes('"') || s.includes("'"))) s = s.replace(QUOTED, hideQuoted);
  for (const { hint, re } of SPANS) if (hint(s)) s = s.replace(re, hideWhole);
  return s;
}

function finish(token: string, colon: boolean): string {
  const at = token.indexOf(WILDCARD);
  return at >= 0 && token.indexOf(WILDCARD, at + 1) > 0 ? token.replace(colon ? GLUED : GLUED_NO_COLON, WILDCARD) : token;
}

// Character classes of the scanner, by char code: 1 white space, 2 a separator inside a token.
const CLASS = new Uint8Array(128);
for (const c of ' \t\n\r\f\v') CLASS[c.charCodeAt(0)] = 1;
for (const c of ',;=:()[]{}@<>"\'|') CLASS[c.charCodeAt(0)] = 2;
const charClass = (c: number) => (c < 128 ? CLASS[c] ?? 0 : c === 0xa0 || c === 0x2028 || c === 0x2029 || c === 0xfeff ? 1 : 0);
const HIDDEN_CHAR = 4;

/** The masked form of the part `s[from, to)`: a value, a literal, a hidden span, or itself. */
function maskedPart(s: string, from: number, to: number, digit: boolean, hiddenPart: boolean, literals: boolean): string | undefined {
  if (hiddenPart) {
    const whole = /^\u0004(\d+)\u0005$/.exec(s.slice(from, to));
    return whole ? hidden[Number(whole[1])]?.masked ?? WILDCARD : WILDCARD;
  }
  if (digit) {
    const part = s.slice(from, to);
    return part.includes('.') && DOTTED_NAME.test(part) ? undefined : WILDCARD;
  }
  const len = to - from;
  return literals && len >= 4 && len <= 5 && LITERAL.test(s.slice(from, to)) ? WILDCARD : undefined;
}

/**
 * Cuts a message into tokens at white space and masks each; an empty message is one empty
 * token. One pass over the characters: the miner calls this for every line it sees.
 */
export function maskTokens(text: string, options: MaskOptions = {}): MaskedTokens {
  const s = hideSpans(text, options);
  const literals = options.literals ?? true;
  const colon = options.colon ?? true;
  const tokens: string[] = [];
  const raw: string[] = [];
  let spans: Set<number> | undefined;
  const n = s.length;
  let i = 0;
  while (i < n) {
    while (i < n && charClass(s.charCodeAt(i)) === 1) i++;
    if (i >= n) break;
    const start = i;
    let out = '';
    let flushed = start;
    let partStart = start;
    let digit = false;
    let hiddenPart = false;
    for (;; i++) {
      const c = i < n ? s.charCodeAt(i) : 32;
      const cls = charClass(c);
      if (cls === 0) {
        if (c >= 48 && c <= 57) digit = true;
        else if (c === HIDDEN_CHAR) hiddenPart = true;
        continue;
      }
      if (i > partStart) {
        const m = maskedPart(s, partStart, i, digit, hiddenPart, literals);
        if (m !== undefined) {
          out += s.slice(flushed, partStart) + m;
          flushed = i;
        }
      }
      digit = false;
      hiddenPart = false;
      partStart = i + 1;
      if (cls === 1 || i >= n) break;
    }
    const original = s.slice(start, i);
    tokens.push(flushed === start ? original : finish(out + s.slice(flushed, i), colon));
    if (original.includes('\u0004')) {
      (spans ??= new Set()).add(raw.length);
      raw.push(original.replace(HIDDEN, unhide));
    } else raw.push(original);
  }
  if (tokens.length === 0) return { tokens: [''], raw: [''] };
  const masked: MaskedTokens = spans ? { tokens, raw, spans } : { tokens, raw };
  return options.units ? foldUnits(masked) : masked;
}

const unhide = (_: string, k: string) => hidden[Number(k)]?.raw ?? '';

/** `35 ms` is one value when units are folded in: the unit goes with the number before it. */
function foldUnits(masked: MaskedTokens): MaskedTokens {
  const t: string[] = [];
  const r: string[] = [];
  const spans = new Set<number>();
  masked.tokens.forEach((token, i) => {
    const last = t.length - 1;
    const raw = masked.raw[i] ?? '';
    if (last >= 0 && t[last] === WILDCARD && WITH_UNIT.test(raw)) {
      r[last] = `${r[last]} ${raw}`;
      spans.add(last);
    } else {
      if (masked.spans?.has(i)) spans.add(t.length);
      t.push(token);
      r.push(raw);
    }
  });
  return spans.size ? { tokens: t, raw: r, spans } : { tokens: t, raw: r };
}

/** Masks the variable parts of one line of text, its tokens joined by single spaces. */
export function maskText(text: string, options: MaskOptions = {}): string {
  return maskTokens(text, options).tokens.join(' ');
}
