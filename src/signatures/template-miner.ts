import { z } from 'zod';
import { maskText, WILDCARD } from './masking.ts';

/**
 * An online template miner of the Drain family. Messages are masked, split into tokens and
 * compared with the templates of the same token count; the most similar template above the
 * threshold absorbs the message (positions that differ become `<*>`), otherwise the message
 * starts a cluster. Unlike Drain's prefix tree, candidates are not split by their first tokens,
 * so a variable first word ("chrome.exe open through proxy …") does not scatter one event.
 * Deterministic, one pass, bounded by `maxClusters` (least recently matched go first).
 */
export interface MinerOptions {
  /** Share of positions that must agree for a message to join a template. @defaultValue 0.6 */
  similarity?: number;
  /** Clusters kept; the least recently matched is forgotten beyond it. @defaultValue 50 000 */
  maxClusters?: number;
}

export interface MineResult {
  clusterId: number;
  template: string;
  /** The message started a new cluster. */
  isNew: boolean;
  /** The cluster's template changed (a position became `<*>`). */
  changed: boolean;
}

/** The miner's persisted state: its clusters, in creation order, and the next id to hand out. */
export const MinerState = z.object({
  version: z.literal(1),
  nextId: z.number().int().min(1),
  clusters: z.array(z.object({ id: z.number().int().min(1), tokens: z.array(z.string()), size: z.number().int().min(0), lastUsed: z.number().int().min(0) })),
});
export type MinerState = z.infer<typeof MinerState>;

interface Cluster {
  id: number;
  tokens: string[];
  size: number;
  lastUsed: number;
  /** Count of constant (non-wildcard) tokens, for the similarity denominator. */
  constants: number;
}

export interface Miner {
  add(message: string): MineResult;
  /** The cluster a message would join, without learning from it; undefined when none. */
  match(message: string): { clusterId: number; template: string } | undefined;
  snapshot(): MinerState;
  readonly size: number;
}

/** Splits a masked message into tokens; an empty message is one empty token. */
export function tokenize(masked: string): string[] {
  const tokens = masked.split(/\s+/).filter((t) => t !== '');
  return tokens.length ? tokens : [''];
}

function countConstants(tokens: string[]): number {
  let n = 0;
  for (const t of tokens) if (t !== WILDCARD) n++;
  return n;
}

/** Masked lines remembered for the fast path. */
const SEEN_LIMIT = 100_000;

const WORD = /^[A-Za-z]+[.,:;!?]?$/;
// Weights of a wildcard agreement and of a word disagreement; chosen on Loghub-2k as a whole
// (one configuration for every system), see evals/signatures.
const W_WILD = 0.5;
const W_WORD = 3;

/**
 * Share of the template's positions the message agrees with. Wildcards agree at half weight;
 * a differing plain word counts three times against, because words are rarely the variable part
 * ("Starting …" and "Ending …" are two events, "user alice" and "user bob" are one).
 */
function similarity(c: Cluster, tokens: string[]): number {
  let same = 0;
  let wild = 0;
  let wordMiss = 0;
  const t = c.tokens;
  for (let i = 0; i < t.length; i++) {
    const a = t[i] as string;
    if (a === WILDCARD) wild++;
    else if (a === tokens[i]) same++;
    else if (WORD.test(a) && WORD.test(tokens[i] ?? '')) wordMiss++;
  }
  return (same + wild * W_WILD) / (t.length + wordMiss * W_WORD);
}

export function createMiner(options: MinerOptions = {}, state?: MinerState): Miner {
  const threshold = options.similarity ?? 0.6;
  const maxClusters = options.maxClusters ?? 50_000;
  const byLength = new Map<number, Cluster[]>();
  const byId = new Map<number, Cluster>();
  let nextId = state?.nextId ?? 1;
  let clock = 0;
  // Most lines repeat exactly once masked: remember which cluster took each masked line. A
  // cluster's template only ever widens, so a remembered line still belongs where it went.
  const seen = new Map<string, Cluster>();

  const insert = (c: Cluster) => {
    byId.set(c.id, c);
    const list = byLength.get(c.tokens.length);
    if (list) list.push(c);
    else byLength.set(c.tokens.length, [c]);
  };
  for (const s of state?.clusters ?? []) {
    insert({ ...s, tokens: [...s.tokens], constants: countConstants(s.tokens) });
    clock = Math.max(clock, s.lastUsed);
  }

  const best = (tokens: string[]): Cluster | undefined => {
    let found: Cluster | undefined;
    let score = -1;
    for (const c of byLength.get(tokens.length) ?? []) {
      const s = similarity(c, tokens);
      // Ties go to the older cluster, so results do not depend on map iteration quirks.
      if (s > score || (s === score && found !== undefined && c.id < found.id)) {
        score = s;
        found = c;
      }
    }
    return found && score >= threshold ? found : undefined;
  };

  const evict = () => {
    if (byId.size <= maxClusters) return;
    let oldest: Cluster | undefined;
    for (const c of byId.values()) if (!oldest || c.lastUsed < oldest.lastUsed) oldest = c;
    if (!oldest) return;
    byId.delete(oldest.id);
    const list = byLength.get(oldest.tokens.length) ?? [];
    list.splice(list.indexOf(oldest), 1);
    seen.clear();
  };
  const remember = (masked: string, c: Cluster) => {
    if (seen.size >= SEEN_LIMIT) seen.clear();
    seen.set(masked, c);
  };

  return {
    add(message) {
      const masked = maskText(message);
      clock++;
      const known = seen.get(masked);
      if (known) {
        known.size++;
        known.lastUsed = clock;
        return { clusterId: known.id, template: known.tokens.join(' '), isNew: false, changed: false };
      }
      const tokens = tokenize(masked);
      const c = best(tokens);
      if (!c) {
        const fresh: Cluster = { id: nextId++, tokens, size: 1, lastUsed: clock, constants: countConstants(tokens) };
        insert(fresh);
        evict();
        remember(masked, fresh);
        return { clusterId: fresh.id, template: tokens.join(' '), isNew: true, changed: false };
      }
      remember(masked, c);
      let changed = false;
      for (let i = 0; i < c.tokens.length; i++) {
        if (c.tokens[i] !== WILDCARD && c.tokens[i] !== tokens[i]) {
          c.tokens[i] = WILDCARD;
          changed = true;
        }
      }
      if (changed) c.constants = countConstants(c.tokens);
      c.size++;
      c.lastUsed = clock;
      return { clusterId: c.id, template: c.tokens.join(' '), isNew: false, changed };
    },
    match(message) {
      const masked = maskText(message);
      const c = seen.get(masked) ?? best(tokenize(masked));
      return c ? { clusterId: c.id, template: c.tokens.join(' ') } : undefined;
    },
    snapshot() {
      return {
        version: 1,
        nextId,
        clusters: [...byId.values()].sort((a, b) => a.id - b.id).map((c) => ({ id: c.id, tokens: [...c.tokens], size: c.size, lastUsed: c.lastUsed })),
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
