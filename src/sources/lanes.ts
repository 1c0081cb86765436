/**
 * Stores batches up to `lanes` at once, so PostgreSQL works on one while Node prepares the next,
 * yet saves each batch's cursor only after every earlier batch's: a cursor never passes a page
 * whose payloads are not stored.
 */
export interface Lanes<T> {
  /** Starts `work`; waits while `lanes` batches are in flight. Rejects with a batch's error. */
  add(work: () => Promise<T>, save: (done: T) => Promise<void>): Promise<void>;
  /** Waits for every batch and cursor; rejects with the first error. */
  drain(): Promise<void>;
  /** Time at least one batch was in flight. */
  readonly busyMs: number;
}

export function orderedLanes<T>(lanes: number): Lanes<T> {
  let saved: Promise<void> = Promise.resolve();
  const inFlight = new Set<Promise<void>>();
  let busySince: number | null = null;
  let busyMs = 0;
  return {
    async add(work, save) {
      if (inFlight.size === 0) busySince = performance.now();
      const ingested = work();
      const done = Promise.all([saved, ingested]).then(([, result]) => save(result));
      saved = done;
      inFlight.add(done);
      // Observed through `race` and `drain`; this only keeps an early failure from going unheard.
      done.catch(() => undefined).finally(() => {
        inFlight.delete(done);
        if (inFlight.size === 0 && busySince !== null) {
          busyMs += performance.now() - busySince;
          busySince = null;
        }
      });
      if (inFlight.size >= lanes) await Promise.race(inFlight);
    },
    drain: () => saved,
    get busyMs() {
      return busyMs + (busySince === null ? 0 : performance.now() - busySince);
    },
  };
}
