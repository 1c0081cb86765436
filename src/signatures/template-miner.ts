import { maskTokens, WILDCARD, type MaskOptions } from './masking.ts';
import { upgradeState, type MinerState, type MinerStateV2 } from './miner-state.ts';
import { createFamilies } from './template-families.ts';
import { fitsToken, mergeTemplates, mergeToken } from './template-merge.ts';

export { MinerState } from './miner-state.ts';

/**
 * An online template miner in two layers. Messages are masked (variables by shape), split into
 * tokens and joined to the most similar cluster of the same length, Drain-style; positions where
 * members differ become `<*>`. Clusters then form events through their families (see
 * template-families.ts): templates that are the same but for one stretch that varies across
 * them are one event, so variables are also found from how messages vary, whatever their
 * characters and however many tokens they span. Masked text that every member of a large enough
 * cluster shares is shown as it is (`ssh2`, `HTTP/1.1`). Deterministic, one pass, bounded by
 * `maxClusters`; an event's id is its oldest cluster's, and a merged id keeps answering for it.
 */
export interface MinerOptions {
  /** Share of positions that must agree for a message to join a cluster. @defaultValue 0.7 */
  similarity?: number;
  /** Weight of agreeing with a wildcard. @defaultValue 0.5 */
  wildWeight?: number;
  /** Extra weight against a differing plain word. @defaultValue 6 */
  wordWeight?: number;
  /** Distinct fillings that make a stretch of a template a variable. @defaultValue 3 */
  variety?: number;
  /** Longest such stretch, in tokens. @defaultValue 2 */
  maxHole?: number;
  /** Longest stretch a value spanning several tokens may take. @defaultValue 2 */
  maxValueHole?: number;
  /** Constant tokens a family's shared part must hold. @defaultValue 3 */
  context?: number;
  /** Two fillings that are stretches of a value make a variable. @defaultValue true */
  valueStretch?: boolean;
  /** Members after which masked text they all share is shown as it is. @defaultValue 3 */
  restoreAfter?: number;
  /**
   * Members after which a cluster's constant positions are settled: a message that differs
   * there starts a cluster of its own (families may still find the position variable).
   * @defaultValue no limit
   */
  lockAfter?: number;
  /** Shape rules of the masking. @defaultValue units, quoted and colon on */
  mask?: MaskOptions;
  /** Clusters kept; the least recently matched is forgotten beyond it. @defaultValue 50 000 */
  maxClusters?: number;
}

export interface MineResult {
  /** The event's id: the oldest cluster of the event the message joined. */
  clusterId: number;
  template: string;
  /** The message started a new event. */
  isNew: boolean;
  /** The event's template changed (a position became `<*>`, or events merged). */
  changed: boolean;
  /** Event ids that this message merged into `clusterId`; they answer for it from now on. */
  merged: number[];
}

export interface Miner {
  add(message: string): MineResult;
  /** The event a message would join, without learning from it; undefined when none. */
  match(message: string): { clusterId: number; template: string } | undefined;
  /** The event an id belongs to now (itself, or the event it was merged into). */
  resolve(id: number): number;
  /** The current template of an event, by any of its ids. */
  template(id: number): string | undefined;
  /** The other ids that answer for the event an id belongs to, oldest first (at most 64). */
  aliases(id: number): number[];
  snapshot(): MinerStateV2;
  readonly size: number;
}

interface Cluster {
  id: number;
  tokens: string[];
  /** The text every member had where masking hid a part; null where they differed or nothing was hidden. */
  raw: (string | null)[];
  size: number;
  lastUsed: number;
}

/** The text a masked token hides of its raw token: `0` of `uid=0` under `uid=<*>`. */
function hiddenText(masked: string, raw: string): string {
  const at = masked.indexOf(WILDCARD);
  if (at < 0) return '';
  const end = masked.lastIndexOf(WILDCARD) + WILDCARD.length;
  const pre = masked.slice(0, at);
  const suf = masked.slice(end);
  return raw.startsWith(pre) && raw.endsWith(suf) ? raw.slice(pre.length, raw.length - suf.length) : raw;
}

// Enough for the ids callers may have been handed before a merge; an event of more clusters
// than this was mostly merged as clusters were born, before anyone saw their ids.
const MAX_ALIASES = 64;
/** Masked lines remembered for the fast path. */
const SEEN_LIMIT = 100_000;
const WORD = /^[A-Za-z]+[.,:;!?]?$/;
// Hidden text worth showing is a name with a small number in it (`ssh2`, `HTTP/1.1`), not an id,
// a hex number or a literal.
const WORDLIKE = /[A-Za-z]{2,}/;
const LONG_NUMBER = /\d{3}/;
const LITERAL = /^(?:true|false|null)$/i;

/**
 * Share of the cluster's positions the message agrees with. Wildcards agree at a lower weight;
 * a differing plain word counts extra against, because words are rarely the variable part
 * ("Starting …" and "Ending …" are two events); families find the words that do vary.
 */
function similarity(c: Cluster, tokens: string[], wildWeight: number, wordWeight: number, lockAfter: number): number {
  let same = 0;
  let wild = 0;
  let wordMiss = 0;
  const t = c.tokens;
  for (let i = 0; i < t.length; i++) {
    const a = t[i] as string;
    const b = tokens[i] as string;
    if (a === WILDCARD) wild++;
    else if (a === b) same++;
    else if (fitsToken(a, b)) wild++;
    else if (c.size >= lockAfter) return 0;
    else if (WORD.test(a) && WORD.test(b)) wordMiss++;
  }
  return (same + wild * wildWeight) / (t.length + wordMiss * wordWeight);
}

/**
 * The shipped settings: what the leave-one-system-out search in `evals/signatures` chooses when
 * it is given all twelve Loghub systems (`npm run eval:signatures` prints whether they still agree).
 */
export const MINER_DEFAULTS = {
  similarity: 0.7, wildWeight: 0.5, wordWeight: 6, variety: 3, maxHole: 2, maxValueHole: 2, context: 3,
  valueStretch: true, restoreAfter: 3, lockAfter: Infinity, maxClusters: 50_000,
  mask: { units: true, quoted: true, colon: true } as MaskOptions,
} as const;

export function createMiner(options: MinerOptions = {}, state?: MinerState): Miner {
  // An option given as undefined keeps its default.
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as MinerOptions;
  const o = { ...MINER_DEFAULTS, ...given, mask: { ...MINER_DEFAULTS.mask, ...given.mask } };
  const families = createFamilies({
    variety: o.variety, maxHole: o.maxHole, maxValueHole: o.maxValueHole, context: o.context, valueStretch: o.valueStretch,
  });
  const byLength = new Map<number, Cluster[]>();
  const byId = new Map<number, Cluster>();
  const parent = new Map<number, number>();
  const members = new Map<number, Set<number>>();
  const templates = new Map<number, string>();
  // Most lines repeat exactly once masked: remember which cluster took each masked line. A
  // cluster's template only ever widens, so a remembered line still belongs where it went.
  const seen = new Map<string, Cluster>();
  let nextId = 1;
  let clock = 0;

  const find = (id: number): number => {
    let root = id;
    for (let p = parent.get(root); p !== undefined; p = parent.get(root)) root = p;
    for (let cur = id, p = parent.get(cur); p !== undefined && p !== root; cur = p, p = parent.get(cur)) parent.set(cur, root);
    return root;
  };

  /** Joins the events of these clusters; the oldest id names the result. Returns the ids absorbed. */
  const union = (ids: number[]): number[] => {
    const roots = [...new Set(ids.map(find))].sort((a, b) => a - b);
    const [root, ...absorbed] = roots;
    if (root === undefined) return [];
    const into = members.get(root) ?? new Set<number>();
    members.set(root, into);
    for (const r of absorbed) {
      parent.set(r, root);
      for (const m of members.get(r) ?? []) into.add(m);
      members.delete(r);
      templates.delete(r);
    }
    if (absorbed.length) templates.delete(root);
    return absorbed;
  };

  const display = (c: Cluster): string[] =>
    c.size < o.restoreAfter ? c.tokens : c.tokens.map((t, i) => {
      const r = c.raw[i];
      if (r == null) return t;
      const hidden = hiddenText(t, r);
      return WORDLIKE.test(hidden) && !LONG_NUMBER.test(hidden) && !LITERAL.test(hidden) ? r : t;
    });

  const eventTemplate = (root: number): string => {
    const cached = templates.get(root);
    if (cached !== undefined) return cached;
    const ids = [...(members.get(root) ?? [])].sort((a, b) => a - b);
    let merged: string[] | undefined;
    for (const id of ids) {
      const c = byId.get(id);
      if (c) merged = merged ? mergeTemplates(merged, display(c)) : display(c);
    }
    const text = (merged ?? []).join(' ');
    templates.set(root, text);
    return text;
  };

  const insert = (c: Cluster) => {
    byId.set(c.id, c);
    const list = byLength.get(c.tokens.length);
    if (list) list.push(c);
    else byLength.set(c.tokens.length, [c]);
    const root = find(c.id);
    const set = members.get(root) ?? new Set<number>();
    set.add(c.id);
    members.set(root, set);
    templates.delete(root);
  };

  /** Files a cluster under its families and merges the events they say are one. */
  const refile = (c: Cluster): number[] => {
    families.unfile(c.id);
    const together = families.file(c.id, c.tokens, c.raw.map((r, i) => r === null && c.tokens[i] !== undefined && c.tokens[i] !== c.raw[i]));
    templates.delete(find(c.id));
    return together.length ? union([c.id, ...together]) : [];
  };

  const best = (tokens: string[]): Cluster | undefined => {
    let found: Cluster | undefined;
    let score = -1;
    for (const c of byLength.get(tokens.length) ?? []) {
      const s = similarity(c, tokens, o.wildWeight, o.wordWeight, o.lockAfter);
      // Ties go to the older cluster, so results do not depend on map iteration quirks.
      if (s > score || (s === score && found !== undefined && c.id < found.id)) {
        score = s;
        found = c;
      }
    }
    return found && score >= o.similarity ? found : undefined;
  };

  /**
   * A cluster of an event whose template (learned across its clusters) fits the message where no
   * single cluster is similar enough: `user erin` once `user <*>` is known to be a variable.
   */
  const fitEvent = (tokens: string[]): Cluster | undefined => {
    const tried = new Set<number>();
    for (const c of byLength.get(tokens.length) ?? []) {
      const root = find(c.id);
      if (tried.has(root) || (members.get(root)?.size ?? 0) < 2) continue;
      tried.add(root);
      const t = eventTemplate(root).split(' ');
      if (t.length === tokens.length && t.every((p, i) => p === tokens[i] || p === WILDCARD || fitsToken(p, tokens[i] as string))) return c;
    }
    return undefined;
  };

  const evict = () => {
    if (byId.size <= o.maxClusters) return;
    let oldest: Cluster | undefined;
    for (const c of byId.values()) if (!oldest || c.lastUsed < oldest.lastUsed) oldest = c;
    if (!oldest) return;
    byId.delete(oldest.id);
    const list = byLength.get(oldest.tokens.length) ?? [];
    list.splice(list.indexOf(oldest), 1);
    families.unfile(oldest.id);
    const root = find(oldest.id);
    members.get(root)?.delete(oldest.id);
    templates.delete(root);
    seen.clear();
  };

  const remember = (masked: string, c: Cluster) => {
    if (seen.get(masked) === c) return;
    if (seen.size >= SEEN_LIMIT) seen.clear();
    seen.set(masked, c);
  };

  /** Learns from a message that joins `c`: widens where they differ, forgets raw text that differs. */
  const absorb = (c: Cluster, tokens: string[], raw: string[]): boolean => {
    let widened = false;
    for (let i = 0; i < c.tokens.length; i++) {
      const was = c.tokens[i] as string;
      const now = was === WILDCARD || was === tokens[i] ? was : mergeToken(was, tokens[i] as string);
      if (now !== was) {
        c.tokens[i] = now;
        c.raw[i] = null;
        widened = true;
      } else if (c.raw[i] != null && c.raw[i] !== raw[i]) {
        c.raw[i] = null;
        if (c.size >= o.restoreAfter) templates.delete(find(c.id));
      }
    }
    c.size++;
    // The template shows shared raw text from this member on.
    if (c.size === o.restoreAfter && c.raw.some((r) => r != null)) templates.delete(find(c.id));
    return widened;
  };

  const restored = state ? upgradeState(state) : undefined;
  if (restored) {
    nextId = restored.nextId;
    for (const [id, into] of restored.aliases) parent.set(id, into);
    for (const s of restored.clusters) {
      insert({ id: s.id, tokens: [...s.tokens], raw: [...s.raw], size: s.size, lastUsed: s.lastUsed });
      clock = Math.max(clock, s.lastUsed);
    }
    for (const s of restored.clusters) {
      const c = byId.get(s.id);
      if (c) refile(c);
    }
  }

  return {
    add(message) {
      const { tokens, raw, spans } = maskTokens(message, o.mask);
      const masked = tokens.join(' ');
      clock++;
      let c = seen.get(masked) ?? best(tokens) ?? fitEvent(tokens);
      let created = false;
      let merged: number[] = [];
      let changed = false;
      if (c) {
        const before = find(c.id);
        const widened = absorb(c, tokens, raw);
        if (widened) {
          merged = refile(c);
          changed = true;
        }
        if (before !== find(c.id)) changed = true;
      } else {
        // Only what masking hid for its digits may be shown again; spans (dates, paths, addresses) stay masked.
        c = { id: nextId++, tokens, raw: raw.map((r, i) => (r === tokens[i] || spans?.has(i) ? null : r)), size: 1, lastUsed: clock };
        insert(c);
        merged = refile(c);
        created = true;
        evict();
      }
      c.lastUsed = clock;
      remember(masked, c);
      const root = find(c.id);
      const absorbedOthers = merged.filter((id) => id !== c.id);
      return {
        clusterId: root,
        template: eventTemplate(root),
        isNew: created && root === c.id && absorbedOthers.length === 0,
        changed: changed || (created && root !== c.id) || absorbedOthers.length > 0,
        merged: merged.filter((id) => id !== root),
      };
    },
    match(message) {
      const { tokens } = maskTokens(message, o.mask);
      const c = seen.get(tokens.join(' ')) ?? best(tokens) ?? fitEvent(tokens);
      if (!c) return undefined;
      const root = find(c.id);
      return { clusterId: root, template: eventTemplate(root) };
    },
    resolve: find,
    template(id) {
      const root = find(id);
      return members.get(root)?.size ? eventTemplate(root) : undefined;
    },
    aliases(id) {
      const root = find(id);
      return [...(members.get(root) ?? [])].filter((m) => m !== root).sort((a, b) => a - b).slice(0, MAX_ALIASES);
    },
    snapshot() {
      return {
        version: 2,
        nextId,
        clusters: [...byId.values()].sort((a, b) => a.id - b.id)
          .map((c) => ({ id: c.id, tokens: [...c.tokens], raw: [...c.raw], size: c.size, lastUsed: c.lastUsed })),
        aliases: [...parent.keys()].sort((a, b) => a - b).map((id) => [id, find(id)] as [number, number]),
      };
    },
    get size() {
      return byId.size;
    },
  };
}

/** A miner continuing from a snapshot: same clusters, same ids, new ids never reused. */
export function restoreMiner(state: MinerState, options: MinerOptions = {}): Miner {
  return createMiner(options, state);
}
