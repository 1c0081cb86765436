import { WILDCARD } from './masking.ts';
import { unglue } from './template-merge.ts';

/**
 * Families of templates that are the same but for one contiguous stretch of tokens (a "hole",
 * of zero to `maxHole` tokens). When the templates of a family fill the hole in enough different
 * ways, the hole is a variable and the family is one event: `Failed password for root …`,
 * `… for uucp …`, `… for ftp …` are one template with `<*>` where the user stands, whatever
 * characters a user name has. Two or three fillings are more often an enumeration (`stored as
 * bytes`, `stored as values`), so the number of fillings that makes a variable is a setting,
 * chosen without the system being scored (see evals/signatures).
 */
export interface FamilyOptions {
  /** Distinct fillings of a hole that make it a variable. */
  variety: number;
  /** Longest hole, in tokens. */
  maxHole: number;
  /** Longest hole that the stretch of a value fills, in tokens. */
  maxValueHole: number;
  /** Constant tokens a family's shared part must hold. */
  context: number;
  /** Two fillings that are stretches of a value make a variable. */
  valueStretch: boolean;
}

interface Family {
  /** The ways the hole was filled, by their text. */
  fillings: Map<string, Filling>;
}

export interface Families {
  /**
   * Files a template under its families; returns the cluster ids it now forms one event with.
   * `varied` says which wildcards stand where the cluster's own members differed.
   */
  file(id: number, tokens: string[], varied: boolean[]): number[];
  /** Takes a cluster out of its families (it was forgotten, or its template changed). */
  unfile(id: number): void;
}

const SEP = '\u0002';
const LETTER = /[A-Za-z]/;
/** A token that says something of the event: it holds a word beside any wildcard. */
const isContext = (t: string) => LETTER.test(t.includes(WILDCARD) ? t.replaceAll(WILDCARD, '') : t);
/** A wildcard with nothing but punctuation around it (`<*>`, `(<*>`, `<<*>`): part of a value. */
const isValuePart = (t: string) => t.includes(WILDCARD) && !LETTER.test(t.replaceAll(WILDCARD, ''));
/** A key (`user=`, `user=root`, `host:`) names a value and is never part of one. */
const isKey = (t: string) => /[A-Za-z][=:]/.test(t);
/** Empty, or no key and at least half its tokens value parts: the stretch of a value, not words. */
const isValueStretch = (hole: string[]) => !hole.some(isKey) && hole.filter(isValuePart).length * 2 >= hole.length;

/** What a family needs to know of one way of filling its hole. */
interface Filling {
  ids: Set<number>;
  length: number;
  /** Only wildcards, each where its cluster's members differed. */
  wild: boolean;
  /** Empty, or at least half its tokens hold a wildcard: the stretch of a value, not words. */
  valueLike: boolean;
}

/**
 * The fillings of a hole that are values of one variable. Among fillings of one length, a
 * hole is a variable when enough different ones were seen, or sooner when one of them stands
 * where its own cluster's members differed (`root` beside `<*>`). Fillings of different lengths
 * are one variable only when each is the stretch of a value (`<*> bytes` beside
 * `<*> bytes (<*> KB)`): a word that appears in some messages only is not a value.
 */
function variableFillings(family: Family, variety: number, valueStretch: boolean): Filling[] {
  const all = [...family.fillings.values()];
  if (all.length < 2) return [];
  if (valueStretch && all.every((f) => f.valueLike) && new Set(all.map((f) => f.length)).size > 1) return all;
  const byLength = new Map<number, Filling[]>();
  for (const f of all) (byLength.get(f.length) ?? byLength.set(f.length, []).get(f.length))?.push(f);
  const out: Filling[] = [];
  for (const group of byLength.values()) {
    if (group.length >= 2 && (group.length >= variety || group.some((f) => f.wild))) out.push(...group);
  }
  return out;
}

// Two 32-bit hashes per token sequence keep family keys short whatever the template's length.
function tokenHash(t: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < t.length; i++) h = Math.imul(h ^ t.charCodeAt(i), 16777619);
  return h >>> 0;
}

function prefixHashes(tokens: string[], seed: number, reverse: boolean): number[] {
  const out = [seed];
  let h = seed;
  const n = tokens.length;
  for (let k = 0; k < n; k++) {
    const t = tokens[reverse ? n - 1 - k : k] as string;
    h = (Math.imul(h, 0x9e3779b1) ^ tokenHash(t, seed)) >>> 0;
    out.push(h);
  }
  return out;
}

export function createFamilies(options: FamilyOptions): Families {
  const byKey = new Map<string, Family>();
  const keysOf = new Map<number, { key: string; filling: string }[]>();

  const holes = (tokens: string[]) => {
    const n = tokens.length;
    const pa = prefixHashes(tokens, 0x811c9dc5, false);
    const pb = prefixHashes(tokens, 0x01000193, false);
    const sa = prefixHashes(tokens, 0x811c9dc5, true);
    const sb = prefixHashes(tokens, 0x01000193, true);
    // constantsBefore[i]: constant tokens among tokens[0..i).
    const constantsBefore = [0];
    for (const t of tokens) constantsBefore.push((constantsBefore[constantsBefore.length - 1] ?? 0) + (isContext(t) ? 1 : 0));
    const total = constantsBefore[n] ?? 0;
    const out: { key: string; filling: string; i: number; j: number }[] = [];
    const longest = Math.max(options.maxHole, options.maxValueHole);
    for (let i = 0; i <= n; i++) {
      for (let h = 0; h <= longest && i + h <= n; h++) {
        const j = i + h;
        const context = total - ((constantsBefore[j] ?? 0) - (constantsBefore[i] ?? 0));
        if (context < options.context) continue;
        const filling = tokens.slice(i, j);
        // Longer stretches are only the values that span several tokens (`<*> bytes (<*> KB)`).
        if (h > options.maxHole && !isValueStretch(filling)) continue;
        const key = `${pa[i]}.${pb[i]}.${sa[n - j]}.${sb[n - j]}`;
        out.push({ key, filling: `${h}${SEP}${filling.join(SEP)}`, i, j });
      }
    }
    return out;
  };

  return {
    file(id, glued, gluedVaried) {
      const split = unglue(glued);
      const tokens = split.tokens;
      const varied = split.from.map((at, k) => !split.key[k] && gluedVaried[at] === true);
      const keys = holes(tokens);
      keysOf.set(id, keys.map(({ key, filling }) => ({ key, filling })));
      const together = new Set<number>();
      for (const { key, filling, i, j } of keys) {
        let family = byKey.get(key);
        if (!family) byKey.set(key, (family = { fillings: new Map() }));
        const known = family.fillings.get(filling);
        if (known) known.ids.add(id);
        else {
          const hole = tokens.slice(i, j);
          const wild = hole.length > 0 && hole.every((t, k) => t.includes(WILDCARD) && varied[i + k] === true);
          family.fillings.set(filling, { ids: new Set([id]), length: hole.length, wild, valueLike: isValueStretch(hole) });
        }
        const values = variableFillings(family, options.variety, options.valueStretch);
        if (values.some((f) => f.ids.has(id))) for (const f of values) for (const other of f.ids) together.add(other);
      }
      together.delete(id);
      return [...together];
    },
    unfile(id) {
      for (const { key, filling } of keysOf.get(id) ?? []) {
        const family = byKey.get(key);
        const known = family?.fillings.get(filling);
        known?.ids.delete(id);
        if (family && known?.ids.size === 0) family.fillings.delete(filling);
        if (family && family.fillings.size === 0) byKey.delete(key);
      }
      keysOf.delete(id);
    },
  };
}
