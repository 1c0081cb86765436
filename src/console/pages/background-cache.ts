/**
 * A value too slow to compute on a page's request (a backtest over a month of failures), computed
 * in the background and held by this process for the key it was computed for (a policy revision).
 * Each process holds its own: replicas may show reports of different ages, each with its age.
 */

/** What the cache holds for a key when asked. */
export type Cached<T> =
  /** `refreshing`: it is older than the cache's maximum age and a new one is being computed. */
  | { kind: 'ready'; value: T; at: Date; refreshing: boolean }
  | { kind: 'computing'; since: Date }
  /** The last attempt threw; another starts once `retryMs` has passed. */
  | { kind: 'failed'; error: string; at: Date };

export interface BackgroundCache<T> {
  /** What is held for `key`; starts computing it when it is missing, older than `maxAgeMs`, or failed a while ago. */
  peek(key: string): Cached<T>;
  /** As `peek`, waiting up to `ms` for a computation of `key` to finish. */
  wait(key: string, ms: number): Promise<Cached<T>>;
  /** Resolves once nothing is being computed: for closing the app before its store. */
  idle(): Promise<void>;
}

export interface BackgroundCacheOptions<T> {
  compute(key: string): Promise<T>;
  /** How long a value is served before it is computed again (it is still served meanwhile). */
  maxAgeMs: number;
  /** How long after a failure the next attempt waits. @defaultValue 60 000 ms */
  retryMs?: number;
  clock: () => Date;
  onError?: (err: unknown, key: string) => void;
}

type Held<T> = { key: string; at: Date } & ({ ok: true; value: T } | { ok: false; error: string });

/** A cache holding one key at a time, computing one value at a time. */
export function createBackgroundCache<T>(o: BackgroundCacheOptions<T>): BackgroundCache<T> {
  const retryMs = o.retryMs ?? 60_000;
  let held: Held<T> | undefined;
  let running: { key: string; since: Date; done: Promise<void> } | undefined;
  let wanted: string | undefined;

  const due = (now: Date): boolean => {
    if (!held || held.key !== wanted) return true;
    return now.getTime() - held.at.getTime() >= (held.ok ? o.maxAgeMs : retryMs);
  };

  function kick(): void {
    const key = wanted;
    if (running || key === undefined || !due(o.clock())) return;
    const since = o.clock();
    const done = o.compute(key).then(
      (value) => ({ ok: true as const, value }),
      (err: unknown) => {
        o.onError?.(err, key);
        return { ok: false as const, error: err instanceof Error ? err.message : String(err) };
      },
    ).then((r) => {
      // A value for a key no longer asked for is dropped: the next one is computed right away.
      if (key === wanted) held = { key, at: o.clock(), ...r };
      running = undefined;
      kick();
    });
    running = { key, since, done };
  }

  function state(key: string): Cached<T> {
    if (held?.key === key) {
      if (held.ok) return { kind: 'ready', value: held.value, at: held.at, refreshing: running?.key === key };
      if (running?.key !== key) return { kind: 'failed', error: held.error, at: held.at };
    }
    return { kind: 'computing', since: running?.key === key ? running.since : o.clock() };
  }

  function peek(key: string): Cached<T> {
    wanted = key;
    kick();
    return state(key);
  }

  return {
    peek,
    async wait(key, ms) {
      const first = peek(key);
      if (first.kind !== 'computing' || !running) return first;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([running.done, new Promise<void>((resolve) => { timer = setTimeout(resolve, ms); })]);
      clearTimeout(timer);
      return state(key);
    },
    async idle() {
      while (running) await running.done;
    },
  };
}
