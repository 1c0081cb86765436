import type { Logger } from 'pino';
import type { Queryable } from '../db/pool.ts';
import type { Embedder } from '../signatures/embedder.ts';
import { readActive, type LoadedFrom } from './active.ts';
import { loadPolicySet, policyFiles, type PolicyIssue, type PolicySet } from './load.ts';

/** The loaded policy set, swapped whole on reload so that a decision never sees half of one. */
export interface PolicyStore {
  readonly dir: string;
  current(): PolicySet;
  /** Where the current set came from: the folder, or the active stored revision. */
  loadedFrom(): LoadedFrom;
  /** Reads the policies again (the active stored revision, else the folder); an invalid set is refused and the current one stays. */
  reload(): Promise<{ kind: 'ok'; set: PolicySet } | { kind: 'invalid'; issues: PolicyIssue[] }>;
  /** Loads the newest activation's revision when it is not the one loaded (every `pollMs`, and at once after an activation here). */
  sync(): Promise<void>;
  close(): void;
}

export interface PolicyStoreOptions {
  /** Where stored revisions are read; without it only the folder is. */
  pool?: Queryable;
  log?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** How often the newest activation is read. @defaultValue {@link POLICY_POLL_MS}; 0: only when `sync` is called */
  pollMs?: number;
}

/** How often a server reads the newest activation: another replica's activation is running here within this. @defaultValue 2 s */
export const POLICY_POLL_MS = 2_000;

/**
 * Loads the active stored revision when there is one, else the policies in `dir`; throws when
 * they are invalid, naming each fault, since Medic must not start without them.
 */
export async function openPolicyStore(dir: string, embedder: Embedder, o: PolicyStoreOptions = {}): Promise<PolicyStore> {
  const fromFolder = async () => {
    const r = await loadPolicySet(await policyFiles(dir), embedder);
    return r.kind === 'ok' ? { kind: 'ok' as const, set: r.set, from: { kind: 'folder' as const, dir } } : r;
  };
  const active = o.pool ? await readActive(o.pool, embedder) : { kind: 'none' as const };
  if (active.kind === 'invalid') throw new Error(`invalid policies in the active revision ${active.activation.revision_id}:\n${formatIssues(active.issues)}`);
  const first = active.kind === 'ok' ? active : await fromFolder();
  if (first.kind === 'invalid') throw new Error(`invalid policies in ${dir}:\n${formatIssues(first.issues)}`);
  let state: { set: PolicySet; from: LoadedFrom } = first;
  let seen = active.kind === 'ok' ? active.from.activation.id : undefined;
  // One read at a time, so that an older read never replaces a newer one.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  const sync = () => serial(async () => {
    if (!o.pool) return;
    const r = await readActive(o.pool, embedder, seen);
    if (r.kind === 'none' || r.kind === 'same') return;
    if (r.kind === 'invalid') {
      seen = r.activation.id;
      o.log?.error({ revision: r.activation.revision_id, issues: r.issues }, 'the active policy revision does not load here: the current set stays');
      return;
    }
    seen = r.from.activation.id;
    state = r;
    o.log?.info({ revision: r.set.revision, activation: seen }, 'policy revision activated');
  });
  const pollMs = o.pollMs ?? POLICY_POLL_MS;
  const timer = o.pool && pollMs > 0
    ? setInterval(() => void sync().catch((err: unknown) => o.log?.warn({ err }, 'the active policy revision was not read')), pollMs)
    : undefined;
  timer?.unref();
  return {
    dir,
    current: () => state.set,
    loadedFrom: () => state.from,
    reload: () => serial(async () => {
      const stored = o.pool ? await readActive(o.pool, embedder) : { kind: 'none' as const };
      if (stored.kind === 'invalid') return stored;
      const next = stored.kind === 'ok' ? stored : await fromFolder();
      if (next.kind === 'invalid') return next;
      if (stored.kind === 'ok') seen = stored.from.activation.id;
      state = next;
      return { kind: 'ok', set: next.set };
    }),
    sync,
    close: () => clearInterval(timer),
  };
}

/** One line per fault: `file:line:column field: message`. */
export function formatIssues(issues: PolicyIssue[]): string {
  return issues.map((i) => `  ${i.file}${i.line ? `:${i.line}:${i.column}` : ''} ${i.path.join('.') || '(file)'}: ${i.message}`).join('\n');
}

/** A store that always holds the same set (tests, and tools that evaluate a candidate set). */
export function fixedPolicyStore(set: PolicySet): PolicyStore {
  return {
    dir: '(fixed)',
    current: () => set,
    loadedFrom: () => ({ kind: 'folder', dir: '(fixed)' }),
    reload: async () => ({ kind: 'ok', set }),
    sync: async () => undefined,
    close: () => undefined,
  };
}

/** A set with no policy: every failure goes to people, every preflight goes on its checks. */
export function emptyPolicySet(now = new Date()): PolicySet {
  return { revision: 'none', loadedAt: now, files: [], policies: [], classes: [], classVectors: new Map() };
}
