/** Where each source's sync stands, in `source_state` and `source_errors` (migration 022). */
import type { Queryable } from '../db/pool.ts';
import type { Cursor } from './puller.ts';

export interface SourceState {
  source: string;
  kind: string;
  cursor: Cursor | null;
  last_attempt_at: Date | null;
  last_success_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
  stopped: boolean;
  newest_event_at: Date | null;
  items_pulled: number;
  pages_pulled: number;
  lease_owner: string | null;
  lease_until: Date | null;
}

export interface SourceError {
  id: number;
  at: Date;
  kind: 'malformed' | 'rejected' | 'failed';
  at_page: string;
  field: string | null;
  detail: string;
}

const COLUMNS = `source, kind, cursor, last_attempt_at, last_success_at, last_error, last_error_at, stopped, newest_event_at,
  items_pulled::float8 as items_pulled, pages_pulled::float8 as pages_pulled, lease_owner, lease_until`;

/**
 * Takes the source's lease for `leaseMs`, unless another process holds it: returns the state
 * (with the cursor to resume from), or who holds it. `deadOwners` are holders known to be gone
 * (a killed `medic sync` on this host), whose lease is taken over at once.
 */
export async function claimSource(db: Queryable, source: string, kind: string, owner: string, leaseMs: number, deadOwners: readonly string[] = []): Promise<{ kind: 'claimed'; state: SourceState } | { kind: 'busy'; owner: string; until: Date }> {
  await db.query('insert into source_state (source, kind) values ($1, $2) on conflict (source) do nothing', [source, kind]);
  const claimed = await db.query<SourceState>(
    `update source_state set lease_owner = $2, lease_until = now() + $3 * interval '1 millisecond', last_attempt_at = now(), kind = $5, updated_at = now()
      where source = $1 and (lease_owner is null or lease_until < now() or lease_owner = $2 or lease_owner = any($4::text[]))
      returning ${COLUMNS}`, [source, owner, leaseMs, deadOwners, kind]);
  const row = claimed.rows[0];
  if (row) return { kind: 'claimed', state: row };
  const held = (await db.query<{ lease_owner: string; lease_until: Date }>('select lease_owner, lease_until from source_state where source = $1', [source])).rows[0];
  return { kind: 'busy', owner: held?.lease_owner ?? '?', until: held?.lease_until ?? new Date() };
}

/** Who holds the source's lease now, if anyone. */
export async function leaseHolder(db: Queryable, source: string): Promise<string | null> {
  const r = await db.query<{ lease_owner: string | null }>('select lease_owner from source_state where source = $1 and lease_until >= now()', [source]);
  return r.rows[0]?.lease_owner ?? null;
}

/** Stores the cursor after the items of its pages are stored, and renews the lease. */
export async function savePage(db: Queryable, source: string, owner: string, page: { cursor: Cursor; items: number; pages: number; newest: Date | null }, leaseMs: number): Promise<boolean> {
  const r = await db.query(
    `update source_state set cursor = $3::jsonb, items_pulled = items_pulled + $4, pages_pulled = pages_pulled + $7,
            newest_event_at = greatest(newest_event_at, $5::timestamptz), lease_until = now() + $6 * interval '1 millisecond', updated_at = now()
      where source = $1 and lease_owner = $2`, [source, owner, JSON.stringify(page.cursor), page.items, page.newest, leaseMs, page.pages]);
  return (r.rowCount ?? 0) > 0;
}

/** Forgets the cursor: the next pass starts from `since` again (idempotent ingest keeps what is stored). */
export async function resetCursor(db: Queryable, source: string, owner: string): Promise<void> {
  await db.query('update source_state set cursor = null, updated_at = now() where source = $1 and lease_owner = $2', [source, owner]);
}

/** Ends a pass: success clears the error and the stop; a failure records it (a fatal one stops continuous sync). Releases the lease. */
export async function finishPass(db: Queryable, source: string, owner: string, end: { kind: 'ok'; at: Date } | { kind: 'failed'; detail: string; fatal: boolean } | { kind: 'interrupted' }): Promise<void> {
  if (end.kind === 'ok') {
    await db.query(`update source_state set last_success_at = $3, last_error = null, last_error_at = null, stopped = false,
                      lease_owner = null, lease_until = null, updated_at = now() where source = $1 and lease_owner = $2`, [source, owner, end.at]);
  } else if (end.kind === 'failed') {
    await db.query(`update source_state set last_error = $3, last_error_at = now(), stopped = $4,
                      lease_owner = null, lease_until = null, updated_at = now() where source = $1 and lease_owner = $2`, [source, owner, end.detail, end.fatal]);
  } else {
    await db.query('update source_state set lease_owner = null, lease_until = null, updated_at = now() where source = $1 and lease_owner = $2', [source, owner]);
  }
}

export async function recordSourceErrors(db: Queryable, source: string, errors: readonly Omit<SourceError, 'id' | 'at'>[]): Promise<void> {
  if (errors.length === 0) return;
  await db.query(
    `insert into source_errors (source, kind, at_page, field, detail)
     select $1, e.kind, e.at_page, e.field, e.detail from jsonb_to_recordset($2::jsonb) as e(kind text, at_page text, field text, detail text)`,
    [source, JSON.stringify(errors)]);
}

export async function sourceStates(db: Queryable): Promise<SourceState[]> {
  return (await db.query<SourceState>(`select ${COLUMNS} from source_state order by source`)).rows;
}

export async function sourceErrors(db: Queryable, source: string, limit: number): Promise<SourceError[]> {
  return (await db.query<SourceError>('select id::float8 as id, at, kind, at_page, field, detail from source_errors where source = $1 order by id desc limit $2', [source, limit])).rows;
}
