import type { Queryable } from '../db/pool.ts';
import type { ServiceDefinition } from './schema.ts';

export interface StoredService {
  name: string;
  definition: ServiceDefinition;
  revision: number;
  updated_at: Date;
}

/** Stores a definition; the revision moves only when the definition changed. */
export async function applyService(db: Queryable, s: ServiceDefinition): Promise<{ revision: number; changed: boolean }> {
  const r = await db.query<{ revision: number; changed: boolean }>(
    `insert into services as s (name, definition) values ($1, $2)
     on conflict (name) do update set
       definition = excluded.definition,
       revision = s.revision + case when s.definition = excluded.definition then 0 else 1 end,
       updated_at = case when s.definition = excluded.definition then s.updated_at else now() end
     returning revision, (xmax = 0 or updated_at = now()) as changed`,
    [s.name, JSON.stringify(s)],
  );
  const row = r.rows[0];
  if (!row) throw new Error('service upsert returned nothing');
  return row;
}

export async function listServices(db: Queryable): Promise<StoredService[]> {
  return (await db.query<StoredService>('select name, definition, revision, updated_at from services order by name')).rows;
}

export async function getService(db: Queryable, name: string): Promise<StoredService | undefined> {
  return (await db.query<StoredService>('select name, definition, revision, updated_at from services where name = $1', [name])).rows[0];
}
