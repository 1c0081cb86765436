import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withTransaction, type Pool } from './pool.ts';

/** A numbered SQL file from `migrations/`, e.g. `002_runs.sql`. */
export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

// An arbitrary constant that says "Medic migrations"; concurrent starts queue on it.
const MIGRATION_LOCK = 7_230_416_001;

/** Reads `NNN_name.sql` files from a folder, in order. */
export async function readMigrations(dir: string): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d+_[\w-]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => ({
      id: Number.parseInt(file, 10),
      name: file,
      sql: await readFile(join(dir, file), 'utf8'),
    })),
  );
}

/** Applies the migrations not yet recorded, each in its own transaction; safe to run twice. */
export async function migrate(pool: Pool, migrations: Migration[]): Promise<MigrateResult> {
  await pool.query(`create table if not exists medic_migrations (
    id integer primary key, name text not null, applied_at timestamptz not null default now())`);
  // Most starts find every migration applied: one query says so, without a transaction each.
  if ((await pendingMigrations(pool, migrations)).length === 0) return { applied: [], alreadyApplied: migrations.length };
  const applied: string[] = [];
  for (const m of migrations) {
    const done = await withTransaction(pool, async (client) => {
      await client.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const seen = await client.query('select 1 from medic_migrations where id = $1', [m.id]);
      if (seen.rowCount) return false;
      await client.query(m.sql);
      await client.query('insert into medic_migrations (id, name) values ($1, $2)', [m.id, m.name]);
      return true;
    });
    if (done) applied.push(m.name);
  }
  return { applied, alreadyApplied: migrations.length - applied.length };
}

/** Migrations of `migrations` not recorded as applied on the store (none: the schema is current). */
export async function pendingMigrations(pool: Pick<Pool, 'query'>, migrations: Migration[]): Promise<string[]> {
  const r = await pool.query<{ id: number }>('select id from medic_migrations');
  const applied = new Set(r.rows.map((row) => row.id));
  return migrations.filter((m) => !applied.has(m.id)).map((m) => m.name);
}
