/**
 * Masking of the variable parts of a message with one generic configuration for every source:
 * anything that carries a digit (numbers, ids, hashes, IPs, ports, times, durations, sizes),
 * URLs, paths, e-mail addresses and quoted values become `<*>`; the words around them and the
 * punctuation that ties them (`=`, `:`, `@`, brackets) stay, so `port=5432` reads `port=<*>`.
 */

/** The placeholder for a variable part. */
export const WILDCARD = '<*>';

// Whole spans first: they contain separators that the token pass would split. Each runs only
// when a cheap test says it could match, which keeps masking fast on ordinary lines.
const SPANS: { hint: (s: string) => boolean; re: RegExp }[] = [
  { hint: (s) => s.includes('://'), re: /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>()\]]+/gi }, // URLs
  { hint: (s) => s.includes('@'), re: /\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g }, // e-mail addresses
  { hint: (s) => s.includes('-'), re: /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi }, // UUIDs
  { hint: (s) => s.includes('-'), re: /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g }, // ISO timestamps
  { hint: (s) => s.includes('/') || s.includes('\\'), re: /(?<![\w/])(?:[A-Za-z]:)?(?:[\\/][\w.$~-]+){2,}[\\/]?/g }, // paths of two or more parts
  { hint: (s) => s.includes('"') || s.includes("'"), re: /"[^"\n]{0,200}"|(?<![\w])'[^'\n]{0,200}'(?![\w])/g }, // quoted values
];

// Inside a token (split at these separators), a part with a digit is a value.
const SEPARATORS = /([\s,;=:()[\]{}@<>"'|]+)/;
const HAS_DIGIT = /\d/;
const HEX_ID = /^(?:0x)?[0-9a-f]{12,}$/i;
// A dotted name with a digit is a module or class (psycopg2.OperationalError, log4j.Logger), not a value.
const DOTTED_NAME = /^[A-Za-z_][A-Za-z_\d]*(?:\.[A-Za-z_][A-Za-z_\d]*)*\.[A-Z][A-Za-z]*(?:Error|Exception)$/;

function maskSpan(match: string): string {
  if (match.startsWith('"') || match.startsWith("'")) return `${match[0]}${WILDCARD}${match[0]}`;
  return WILDCARD;
}

function maskPart(part: string): string {
  if (part === WILDCARD || part === '') return part;
  if (HEX_ID.test(part)) return WILDCARD;
  if (HAS_DIGIT.test(part) && !DOTTED_NAME.test(part)) return WILDCARD;
  return part;
}

// A value with its unit is one value ("35 ms", "1.2 KB", "3 bytes"), and so is a value followed
// by another in brackets ("1190 bytes (1.16 KB)"): otherwise one event would yield templates of
// different lengths depending on how its values were printed.
const WITH_UNIT = /<\*>\s+(?:ms|s|sec|secs|seconds?|mins?|minutes?|h|hrs?|hours?|days?|b|bytes?|kb|mb|gb|tb|kib|mib|gib|%)(?![\w])/gi;
const WITH_BRACKETED = /<\*>\s+\(\s*<\*>\s*\)/g;

/** Masks the variable parts of one line of text. */
export function maskText(text: string): string {
  let s = text;
  for (const { hint, re } of SPANS) if (hint(s)) s = s.replace(re, maskSpan);
  const parts = s.split(SEPARATORS);
  for (let i = 0; i < parts.length; i += 2) parts[i] = maskPart(parts[i] ?? '');
  const masked = parts.join('').replace(/(?:<\*>)(?:[.\-_/#]*<\*>)+/g, WILDCARD);
  if (!masked.includes('<*> ')) return masked;
  return masked.replace(WITH_UNIT, WILDCARD).replace(WITH_BRACKETED, WILDCARD);
}
