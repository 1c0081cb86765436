import { withTransaction, type Pool, type Queryable } from '../db/pool.ts';
import { createMiner, MinerState, restoreMiner, type Miner } from './template-miner.ts';

/** What the miner says of a line: its event, the event's template, and the older ids that answer for it. */
export interface Mined {
  clusterId: string;
  template: string;
  /** Ids of events merged into this one; signatures made under them still belong to it. */
  aliases: string[];
}

/** The template miner shared by every process on one store, its cluster ids stable across restarts. */
export interface SharedMiner {
  /** Learns from the line and returns its cluster; serialised across processes. */
  add(line: string): Promise<Mined>;
  /** Finds the line's cluster without learning (this process's copy; may lag by one change). */
  match(line: string): Promise<Mined>;
}

/** How stale a matching-only process's copy of the miner may get. */
const REFRESH_MS = 5_000;

// Namespaces the advisory lock that serialises learning across processes.
export const MINER_LOCK = 7_230_416_003;

const mined = (miner: Miner, id: number): Mined => ({
  clusterId: String(id), template: miner.template(id) ?? '', aliases: miner.aliases(id).map(String),
});

/** A line no event has: the masked line stands as its own template until a failure teaches the miner. */
export function unseen(line: string): Mined {
  const t = createMiner().add(line).template;
  return { clusterId: `unseen:${t}`, template: t, aliases: [] };
}

/** A miner of this process only, answering as the shared one does (policy tests, the backtest). */
export function localMiner(miner: Miner = createMiner()): SharedMiner {
  return {
    add: async (line) => mined(miner, miner.add(line).clusterId),
    match: async (line) => {
      const found = miner.match(line);
      return found ? mined(miner, found.clusterId) : unseen(line);
    },
  };
}

/** Writes the miner's state as the next version. */
export async function saveMinerState(db: Queryable, version: number, miner: Miner): Promise<void> {
  await db.query(
    `insert into miner_state (version, state) values ($1, $2)
     on conflict (singleton) do update set version = excluded.version, state = excluded.state, updated_at = now()`,
    [version, JSON.stringify(miner.snapshot())],
  );
}

/**
 * Keeps a local miner in step with the state in Postgres: under an advisory lock it reloads the
 * state when another process moved it on, learns, and writes the state back when it changed.
 */
export function createSharedMiner(pool: Pool): SharedMiner {
  let miner: Miner = createMiner();
  let version = -1;
  let checkedAt = 0;

  async function refresh(db: Queryable): Promise<void> {
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
          await saveMinerState(tx, version, miner);
        }
        return mined(miner, result.clusterId);
      });
    },
    async match(line) {
      // A process that only matches (an API replica) catches up with the learners every few seconds.
      if (version < 0 || Date.now() - checkedAt > REFRESH_MS) await refresh(pool);
      const found = miner.match(line);
      return found ? mined(miner, found.clusterId) : unseen(line);
    },
  };
}
