import type { Pool } from '../db/pool.ts';
import { insertDecisions, type DecisionRow } from './log-sql.ts';

/** Appends decisions to the log; `append` resolves once the row is committed. */
export interface DecisionLog {
  append(row: DecisionRow): Promise<void>;
  /** Writes what is pending and stops taking rows. */
  close(): Promise<void>;
}

export interface DecisionLogOptions {
  /** Rows written in one statement at most. @defaultValue 512 */
  maxBatch?: number;
  /** How long a row may wait for others to share its write when none is in progress. @defaultValue 1 ms */
  maxWaitMs?: number;
  /** Writes in progress at once (the log pool's connections). @defaultValue 2 */
  writers?: number;
}

/**
 * A group-committing log: each caller waits for the commit that holds its row. While `writers`
 * writes are in progress, rows that arrive wait for the next one and go together, so a batch
 * grows with the load instead of a thousand decisions a second becoming a thousand commits that
 * queue for two connections; alone, a row waits at most `maxWaitMs`.
 */
export function createDecisionLog(pool: Pool, options: DecisionLogOptions = {}): DecisionLog {
  const maxBatch = options.maxBatch ?? 512;
  const maxWaitMs = options.maxWaitMs ?? 1;
  const writers = options.writers ?? 2;
  let pending: { row: DecisionRow; done: (err?: unknown) => void }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running = 0;
  const idle: (() => void)[] = [];
  let closed = false;

  const write = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = pending.splice(0, maxBatch);
    if (batch.length === 0) return;
    running++;
    void insertDecisions(pool, batch.map((b) => b.row)).then(
      () => batch.forEach((b) => b.done()),
      (err: unknown) => batch.forEach((b) => b.done(err)),
    ).finally(() => {
      running--;
      // What arrived meanwhile has waited long enough: it goes now.
      if (pending.length > 0) write();
      else if (running === 0) idle.splice(0).forEach((f) => f());
    });
  };

  return {
    append(row) {
      if (closed) return Promise.reject(new Error('the decision log is closed'));
      return new Promise<void>((resolve, reject) => {
        pending.push({ row, done: (err) => (err === undefined ? resolve() : reject(err)) });
        if (running >= writers) return; // the next write to finish takes it
        if (pending.length >= maxBatch || maxWaitMs <= 0) write();
        else timer ??= setTimeout(write, maxWaitMs);
      });
    },
    async close() {
      closed = true;
      while (pending.length > 0) write();
      if (running > 0) await new Promise<void>((resolve) => idle.push(resolve));
    },
  };
}
