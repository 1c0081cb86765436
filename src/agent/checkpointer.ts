/**
 * LangGraph's Postgres checkpointer on Medic's own pool, in a schema of its own (`langgraph`).
 * Its tables are its own too: created by the saver's `setup()`, once per start, after Medic's
 * migrations. The embedded store hosts it as well (PGlite through the node-postgres adapter), so
 * an agent run survives a restart of `medic serve` on either store.
 */
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import type { Pool } from '../db/pool.ts';

/** Where the checkpoint tables live. */
export const CHECKPOINT_SCHEMA = 'langgraph';

// Starts that race on a server queue on this lock: setup() is not safe to run twice at once.
const SETUP_LOCK = 7_230_416_011;

/** The saver on `pool`, its tables set up (unless `setup` is false: a store opened without its migrations). */
export async function openCheckpointer(pool: Pool, store: 'postgres' | 'embedded', setup = true): Promise<PostgresSaver> {
  const saver = new PostgresSaver(pool, undefined, { schema: CHECKPOINT_SCHEMA });
  if (!setup) return saver;
  // The embedded store is one process already (its data folder is locked), and one connection.
  if (store === 'embedded') {
    await saver.setup();
    return saver;
  }
  const lock = await pool.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [SETUP_LOCK]);
    await saver.setup();
  } finally {
    await lock.query('select pg_advisory_unlock($1)', [SETUP_LOCK]).catch(() => undefined);
    lock.release();
  }
  return saver;
}
