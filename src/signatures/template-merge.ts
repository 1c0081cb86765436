import { WILDCARD } from './masking.ts';

/**
 * The template of several templates of one event: what they share stays, what differs becomes
 * `<*>`. Templates of one length are merged position by position; templates of different lengths
 * are aligned on their longest common subsequence, so a variable may span several tokens or none.
 */

const ALNUM = /[A-Za-z0-9]/;

/**
 * Two differing tokens keep what they share up to a punctuation boundary: `logname=` and
 * `logname=root` give `logname=<*>`, `()` and `(x)` give `(<*>)`, `root` and `rob` give `<*>`.
 */
export function mergeToken(a: string, b: string): string {
  if (a === b) return a;
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  while (p > 0 && ALNUM.test(a[p - 1] ?? '')) p--;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  while (s > 0 && ALNUM.test(a[a.length - s] ?? '')) s--;
  const merged = `${a.slice(0, p)}${WILDCARD}${a.slice(a.length - s)}`;
  return merged.replace(/<\*>(?:<\*>)+/g, WILDCARD);
}

/** A token with a wildcard inside (`user=<*>`, `(<*>)`) fits a token with the same ends. */
export function fitsToken(pattern: string, token: string): boolean {
  const at = pattern.indexOf(WILDCARD);
  if (at < 0 || pattern.length === WILDCARD.length) return at === 0;
  const pre = pattern.slice(0, at);
  const suf = pattern.slice(at + WILDCARD.length);
  if (suf.includes(WILDCARD)) return false;
  return token.length >= pre.length + suf.length && token.startsWith(pre) && token.endsWith(suf);
}

function collapse(tokens: string[]): string[] {
  const out: string[] = [];
  for (const t of tokens) if (!(t === WILDCARD && out[out.length - 1] === WILDCARD)) out.push(t);
  return out;
}

/** Aligns two token lists on their longest common subsequence; the gaps become one `<*>` each. */
function alignMerge(a: string[], b: string[]): string[] {
  const n = a.length;
  const m = b.length;
  const lcs: Uint16Array[] = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] as Uint16Array;
    const next = lcs[i + 1] as Uint16Array;
    for (let j = m - 1; j >= 0; j--) row[j] = a[i] === b[j] ? (next[j + 1] ?? 0) + 1 : Math.max(next[j] ?? 0, row[j + 1] ?? 0);
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  let gap = false;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      if (gap) out.push(WILDCARD);
      gap = false;
      out.push(a[i] as string);
      i++;
      j++;
    } else {
      gap = true;
      if ((lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0)) i++;
      else j++;
    }
  }
  if (gap || i < n || j < m) out.push(WILDCARD);
  return collapse(out);
}

const GLUED_VALUE = /^[^<]*[=:]<\*>$/;

/**
 * A key and its value glued together (`rhost=<*>`) as two tokens, the way a message that has a
 * space after the `=` reads (`rhost= <*> <*>`), so the value is a stretch of its own in both.
 * `from` gives each token's position in the input; `key` marks the keys split off.
 */
export function unglue(tokens: readonly string[]): { tokens: string[]; from: number[]; key: boolean[] } {
  const out: string[] = [];
  const from: number[] = [];
  const key: boolean[] = [];
  tokens.forEach((t, i) => {
    if (GLUED_VALUE.test(t)) {
      out.push(t.slice(0, -WILDCARD.length), WILDCARD);
      from.push(i, i);
      key.push(true, false);
    } else {
      out.push(t);
      from.push(i);
      key.push(false);
    }
  });
  return { tokens: out, from, key };
}

/** Glues a key back to the value that follows it. */
function reglue(tokens: string[]): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    const last = out[out.length - 1];
    if (t === WILDCARD && last !== undefined && /[=:]$/.test(last) && !last.includes(WILDCARD)) out[out.length - 1] = `${last}${WILDCARD}`;
    else out.push(t);
  }
  return out;
}

/** Merges two templates of one event. */
export function mergeTemplates(a: string[], b: string[]): string[] {
  if (a.length !== b.length) return reglue(alignMerge(unglue(a).tokens, unglue(b).tokens));
  return a.map((t, i) => mergeToken(t, b[i] as string));
}
