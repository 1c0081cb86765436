import { withTransaction, type Pool } from '../db/pool.ts';
import { createMiner, MinerState, restoreMiner, type Miner } from './template-miner.ts';

/** The template miner shared by every process on one store, its cluster ids stable across restarts. */
export interface SharedMiner {
  /** Learns from the line and returns its cluster; serialised across processes. */
  add(line: string): Promise<{ clusterId: string; template: string }>;
  /** Finds the line's cluster without learning (this process's copy; may lag by one change). */
  match(line: string): Promise<{ clusterId: string; template: string }>;
}

/** How stale a matching-only process's copy of the miner may get. */
const REFRESH_MS = 5_000;

// Namespaces the advisory lock that serialises learning across processes.
const MINER_LOCK = 7_230_416_003;

/**
 * Keeps a local miner in step with the state in Postgres: under an advisory lock it reloads the
 * state when another process moved it on, learns, and writes the state back when it changed.
 */
export function createSharedMiner(pool: Pool): SharedMiner {
  let miner: Miner = createMiner();
  let version = -1;
  let checkedAt = 0;

  async function refresh(db: Pick<Pool, 'query'>): Promise<void> {
    checkedAt = Date.now();
    const r = await db.query<{ version: number; state: unknown }>(
      'select version, case when version = $1 then null else state end as state from miner_state', [version]);
    const row = r.rows[0];
    if (!row) {
      version = 0;
      return;
    }
    if (row.version !== version && row.state !== null) {
      miner = restoreMiner(MinerState.parse(row.state));
      version = row.version;
    }
  }

  return {
    async add(line) {
      return withTransaction(pool, async (tx) => {
        await tx.query('select pg_advisory_xact_lock($1)', [MINER_LOCK]);
        await refresh(tx);
        const result = miner.add(line);
        if (result.isNew || result.changed) {
          version += 1;
          await tx.query(
            `insert into miner_state (version, state) values ($1, $2)
             on conflict (singleton) do update set version = excluded.version, state = excluded.state, updated_at = now()`,
            [version, JSON.stringify(miner.snapshot())],
          );
        }
        return { clusterId: String(result.clusterId), template: result.template };
      });
    },
    async match(line) {
      // A process that only matches (an API replica) catches up with the learners every few seconds.
      if (version < 0 || Date.now() - checkedAt > REFRESH_MS) await refresh(pool);
      const found = miner.match(line);
      if (found) return { clusterId: String(found.clusterId), template: found.template };
      // Never seen: the masked line stands as its own template until a failure teaches the miner.
      const probe = createMiner();
      const fresh = probe.add(line);
      return { clusterId: `unseen:${fresh.template}`, template: fresh.template };
    },
  };
}
