import type { Queryable } from './pool.ts';

/**
 * The PostgreSQL settings Medic's hot paths were measured with (`npm run bench:limits`), what
 * each is for, and how to tell whether a server has them. `medic doctor` checks them, the bench
 * prints them beside its figures, and the README lists them.
 */
export interface SettingAdvice {
  name: string;
  /** What to set, as `postgresql.conf` spells it. */
  recommended: string;
  why: string;
  /** Whether the server's value (pg_settings' `setting` in its `unit`) is good enough. */
  good: (value: number | string, unit: string | null) => boolean;
}

const bytes = (value: number | string, unit: string | null): number => {
  const n = Number(value);
  const m = /^(\d+)?\s*([kMG]?B)$/.exec(unit ?? '');
  if (!m) return n;
  const scale = { B: 1, kB: 1_024, MB: 1_024 ** 2, GB: 1_024 ** 3 }[m[2] as 'B' | 'kB' | 'MB' | 'GB'];
  return n * Number(m[1] ?? 1) * scale;
};

const GiB = 1_024 ** 3;

export const SETTINGS: readonly SettingAdvice[] = [
  { name: 'shared_buffers', recommended: '2GB (a quarter of the memory, at least)', why: 'the signatures\' HNSW index and the hot tables stay in PostgreSQL\'s own cache: similar-incident search reads its graph from memory', good: (v, u) => bytes(v, u) >= 2 * GiB },
  { name: 'effective_cache_size', recommended: '8GB (what the machine can cache)', why: 'the planner then prefers the vector and time indexes', good: (v, u) => bytes(v, u) >= 4 * GiB },
  { name: 'synchronous_commit', recommended: 'on', why: 'an answered decision is in the log: its batch committed durably before the answer (group commit keeps this cheap)', good: (v) => v === 'on' || v === 'remote_apply' || v === 'remote_write' },
  { name: 'jit', recommended: 'off', why: 'compiling a query costs more than the millisecond queries on the decision and ingest paths', good: (v) => v === 'off' },
  { name: 'max_connections', recommended: '200 (about 30 per medic process)', why: 'each serve or worker process keeps up to ~30 connections (requests, decisions, the log, the queue\'s jobs)', good: (v) => Number(v) >= 100 },
];

export interface SettingReading extends SettingAdvice {
  /** As PostgreSQL shows it (`SHOW`). */
  shown: string;
  ok: boolean;
}

/** The server's values of the advised settings, each judged. */
export async function readSettings(db: Queryable): Promise<SettingReading[]> {
  const r = await db.query<{ name: string; setting: string; unit: string | null; shown: string }>(
    `select name, setting, unit, current_setting(name) as shown from pg_settings where name = any($1::text[])`,
    [SETTINGS.map((s) => s.name)],
  );
  const by = new Map(r.rows.map((x) => [x.name, x]));
  return SETTINGS.flatMap((s) => {
    const row = by.get(s.name);
    return row ? [{ ...s, shown: row.shown, ok: s.good(/^\d+$/.test(row.setting) ? Number(row.setting) : row.setting, row.unit) }] : [];
  });
}
