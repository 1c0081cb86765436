/**
 * The two ways to make an answered decision durable, measured side by side on this machine: a
 * batch committed to PostgreSQL before the answers go out (what Medic does), or a write-ahead
 * append to a local file with `fdatasync` before answering, copied to the store later. The
 * figure that decides is how long a batch waits for its durability.
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Pool } from '../../src/db/pool.ts';
import { insertDecisions, type DecisionRow } from '../../src/decide/log-sql.ts';
import { quantiles } from '../decide/report.ts';

export interface DurabilityRow {
  way: string;
  batch: number;
  p50: number;
  p99: number;
  rowsPerSecond: number;
}

const redate = (rows: DecisionRow[], k: number): DecisionRow[] =>
  rows.map((row, i) => ({ ...row, id: randomUUID(), budget_key: null, created_at: new Date(Date.UTC(2000, 0, 1) + k * 1_000 + i) }));

/** `rounds` batches of each size, each way; rows are real decisions re-dated to 2000 (no guardrail counts them). */
export async function durabilityCost(pool: Pool, sample: DecisionRow[], batches: number[], rounds = 60): Promise<DurabilityRow[]> {
  if (sample.length === 0) return [];
  const out: DurabilityRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'medic-wal-'));
  const fd = openSync(join(dir, 'decisions.wal'), 'a');
  try {
    let k = 0;
    for (const batch of batches) {
      const chunk = () => redate(Array.from({ length: batch }, (_, i) => sample[(k + i) % sample.length] as DecisionRow), k++);
      const time = async (way: string, write: (rows: DecisionRow[]) => Promise<void> | void) => {
        const ms: number[] = [];
        for (let r = 0; r < rounds; r++) {
          const rows = chunk();
          const t = performance.now();
          await write(rows);
          ms.push(performance.now() - t);
        }
        const [p50, p99] = quantiles(ms, [0.5, 0.99]);
        out.push({ way, batch, p50: p50 ?? NaN, p99: p99 ?? NaN, rowsPerSecond: (batch * rounds) / (ms.reduce((a, b) => a + b, 0) / 1_000) });
      };
      await time('PostgreSQL: one insert per batch, committed', (rows) => insertDecisions(pool, rows));
      await time('local file: JSON lines, fdatasync per batch', (rows) => {
        writeSync(fd, rows.map((x) => JSON.stringify(x)).join('\n') + '\n');
        fdatasyncSync(fd);
      });
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
