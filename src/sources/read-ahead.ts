/**
 * Reads an async iterator ahead of its consumer, up to `limit` units buffered, so that pages are
 * fetched while earlier ones are stored, and handed over in batches: storing a thousand payloads
 * at once costs far less than ten times a hundred.
 */
export interface ReadAhead<T> {
  /**
   * The next buffered values, weighing up to `max` together (at least one, whatever it weighs),
   * stopping before a value `alone` says must be handed over by itself; null at the end.
   */
  take(max: number, alone: (t: T) => boolean): Promise<T[] | null>;
  /** Stops reading (the values buffered are dropped). */
  stop(): void;
}

export function readAhead<T>(source: AsyncIterator<T>, limit: number, weight: (t: T) => number): ReadAhead<T> {
  const buffer: T[] = [];
  let buffered = 0;
  let done = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const signal = (which: 'consumer' | 'producer') => {
    const wake = which === 'consumer' ? wakeConsumer : wakeProducer;
    if (which === 'consumer') wakeConsumer = undefined;
    else wakeProducer = undefined;
    wake?.();
  };

  void (async () => {
    try {
      while (!stopped) {
        if (buffered >= limit) {
          await new Promise<void>((resolve) => { wakeProducer = resolve; });
          continue;
        }
        const r = await source.next();
        if (r.done) break;
        buffer.push(r.value);
        buffered += weight(r.value);
        signal('consumer');
      }
    } catch (error) {
      failure = { error };
    }
    done = true;
    signal('consumer');
  })();

  return {
    async take(max, alone) {
      while (buffer.length === 0) {
        if (failure) throw failure.error;
        if (done) return null;
        await new Promise<void>((resolve) => { wakeConsumer = resolve; });
      }
      const out: T[] = [];
      let taken = 0;
      while (buffer.length > 0) {
        const head = buffer[0] as T;
        if (out.length > 0 && (alone(head) || taken + weight(head) > max)) break;
        buffer.shift();
        out.push(head);
        taken += weight(head);
        if (alone(head)) break;
      }
      buffered -= taken;
      signal('producer');
      return out;
    },
    stop() {
      stopped = true;
      signal('producer');
      void source.return?.();
    },
  };
}
