import type { Pool } from '../db/pool.ts';
import { insertDecisions, type DecisionRow } from './log-sql.ts';

/** Appends decisions to the log; `append` resolves once the row is committed. */
export interface DecisionLog {
  append(row: DecisionRow): Promise<void>;
  /** Writes what is pending and stops taking rows. */
  close(): Promise<void>;
}

export interface DecisionLogOptions {
  /** Rows written in one statement at most. @defaultValue 256 */
  maxBatch?: number;
  /** How long a row may wait for others to share its write. @defaultValue 1 ms */
  maxWaitMs?: number;
}

/**
 * A group-committing log: rows that arrive together are written in one statement, and each
 * caller waits for the commit that holds its row. Under load that turns a thousand inserts a
 * second into a few hundred statements; alone, a row waits at most `maxWaitMs`.
 */
export function createDecisionLog(pool: Pool, options: DecisionLogOptions = {}): DecisionLog {
  const maxBatch = options.maxBatch ?? 256;
  const maxWaitMs = options.maxWaitMs ?? 1;
  let pending: { row: DecisionRow; done: (err?: unknown) => void }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let inFlight = Promise.resolve();
  let closed = false;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return inFlight;
    inFlight = insertDecisions(pool, batch.map((b) => b.row)).then(
      () => batch.forEach((b) => b.done()),
      (err: unknown) => batch.forEach((b) => b.done(err)),
    );
    return inFlight;
  };

  return {
    append(row) {
      if (closed) return Promise.reject(new Error('the decision log is closed'));
      return new Promise<void>((resolve, reject) => {
        pending.push({ row, done: (err) => (err === undefined ? resolve() : reject(err)) });
        if (pending.length >= maxBatch) void flush();
        else timer ??= setTimeout(() => void flush(), maxWaitMs);
      });
    },
    async close() {
      closed = true;
      await flush();
    },
  };
}
