/**
 * Characters PostgreSQL cannot hold in text or jsonb: NUL, and UTF-16 surrogates without their
 * pair (what a lone `\ud800` escape decodes to). Real logs hold them; Medic replaces them by
 * U+FFFD where it stores what it was sent, and refuses them where they could only be searched for.
 */

const PATTERN = '\\u0000|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';

/** Whether `text` holds a character PostgreSQL cannot store. */
const ONE = new RegExp(PATTERN);
export const isUnstorable = (text: string): boolean => ONE.test(text);

const EVERY = new RegExp(PATTERN, 'g');

/** Whether any string (or key) in `value` holds an unstorable character. */
function holdsUnstorable(v: unknown): boolean {
  if (typeof v === 'string') return isUnstorable(v);
  if (Array.isArray(v)) return v.some(holdsUnstorable);
  if (v instanceof Date || typeof v !== 'object' || v === null) return false;
  return Object.entries(v).some(([k, x]) => isUnstorable(k) || holdsUnstorable(x));
}

/**
 * `value` with every unstorable character replaced (strings, keys, nested), and how many were;
 * `value` itself, uncopied, when it holds none (the decision path calls this on every input).
 */
export function replaceUnstorable<T>(value: T): { value: T; replaced: number } {
  if (!holdsUnstorable(value)) return { value, replaced: 0 };
  let replaced = 0;
  const fix = (s: string) => s.replace(EVERY, () => {
    replaced += 1;
    return '\uFFFD';
  });
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return fix(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v instanceof Date || typeof v !== 'object' || v === null) return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [fix(k), walk(x)]));
  };
  const out = walk(value) as T;
  return { value: out, replaced };
}
