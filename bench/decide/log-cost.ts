/**
 * What the decision log costs to write: `insertDecisions` on its own (one statement per batch, each
 * a commit) at batch sizes 1 and 64, and how many bytes a decision adds to the table with its
 * indexes and TOAST. The rows are real decisions the bench just made, re-dated to 2000 so that no
 * guardrail window ever counts them.
 */
import { randomUUID } from 'node:crypto';
import type { Pool, Queryable } from '../../src/db/pool.ts';
import { insertDecisions, type DecisionRow } from '../../src/decide/log-sql.ts';

/** Decisions rows made by the seed, as opposed to the bench's own (deleted by `resetDecisions`). */
export const HISTORY_REVISION = 'seed-history';

export interface InsertRate {
  label: string;
  rowsPerSecond: number;
  msPerStatement: number;
}

/** Removes what earlier bench runs appended, so that every run starts from the seeded log. */
export async function resetDecisions(pool: Pool): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    // The log is append-only by trigger; replica mode skips triggers, for this scratch database only.
    await client.query('set local session_replication_role = replica');
    const r = await client.query('delete from decisions where policy_revision <> $1', [HISTORY_REVISION]);
    await client.query('commit');
    await client.query('vacuum analyze decisions');
    return r.rowCount ?? 0;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Rows and bytes of the decision log (heap, TOAST and every index). */
export async function logSize(db: Queryable): Promise<{ rows: number; bytes: number }> {
  const r = await db.query<{ rows: number; bytes: string }>(
    `select (select count(*) from decisions)::int as rows, pg_total_relation_size('decisions') as bytes`);
  return { rows: r.rows[0]?.rows ?? 0, bytes: Number(r.rows[0]?.bytes ?? 0) };
}

export async function sampleRows(db: Queryable, n: number): Promise<DecisionRow[]> {
  const r = await db.query<DecisionRow>(
    `select * from decisions where policy_revision <> $1 and kind = 'failure' order by created_at desc limit $2`, [HISTORY_REVISION, n]);
  return r.rows;
}

const redate = (rows: DecisionRow[], k: number): DecisionRow[] =>
  rows.map((row, i) => ({ ...row, id: randomUUID(), budget_key: null, created_at: new Date(Date.UTC(2000, 0, 1) + k * 1_000 + i) }));

/** `writers` connections each inserting batches of `batch` for `seconds`. */
async function measure(pool: Pool, sample: DecisionRow[], batch: number, writers: number, seconds: number): Promise<InsertRate> {
  let rows = 0;
  let statements = 0;
  let k = 0;
  const end = performance.now() + seconds * 1_000;
  const started = performance.now();
  await Promise.all(Array.from({ length: writers }, async () => {
    while (performance.now() < end) {
      const chunk = redate(Array.from({ length: batch }, (_, i) => sample[(k + i) % sample.length] as DecisionRow), k++);
      await insertDecisions(pool, chunk);
      rows += chunk.length;
      statements++;
    }
  }));
  const elapsed = (performance.now() - started) / 1_000;
  return { label: `batch ${batch}${writers > 1 ? `, ${writers} writers` : ''}`, rowsPerSecond: rows / elapsed, msPerStatement: (elapsed * 1_000 * writers) / statements };
}

/** insertDecisions throughput at batch sizes 1 and 64 (and 1 from 8 connections, as a busy server would without grouping). */
export async function insertCost(pool: Pool, seconds: number): Promise<{ rates: InsertRate[]; bytesPerRow: number; rowBytes: number }> {
  const sample = await sampleRows(pool, 64);
  if (sample.length === 0) return { rates: [], bytesPerRow: 0, rowBytes: 0 };
  const before = await logSize(pool);
  const rates = [await measure(pool, sample, 1, 1, seconds), await measure(pool, sample, 64, 1, seconds), await measure(pool, sample, 1, 8, seconds)];
  const after = await logSize(pool);
  const r = await pool.query<{ b: string }>(`select avg(pg_column_size(d.*))::int as b from (select * from decisions where policy_revision <> $1 limit 2000) d`, [HISTORY_REVISION]);
  return { rates, bytesPerRow: (after.bytes - before.bytes) / Math.max(1, after.rows - before.rows), rowBytes: Number(r.rows[0]?.b ?? 0) };
}
