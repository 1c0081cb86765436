import type { Queryable } from '../db/pool.ts';

/** A policy file as stored with its revision. */
export interface RevisionFile {
  name: string;
  text: string;
}

/** A stored revision without its files. */
export interface RevisionRow {
  /** The set's content hash, as decisions record it. */
  id: string;
  /** In the order revisions were stored, from 1. */
  number: number;
  policy_ids: string[];
  author: string | null;
  commit: string | null;
  message: string | null;
  applied_at: Date;
  applied_by: string;
}

/** One activation: from it on, until the next, servers run its revision. */
export interface ActivationRow {
  id: number;
  revision_id: string;
  /** `apply`: stored and activated at once; `activate`: a stored revision made active again (a rollback). */
  kind: 'apply' | 'activate';
  activated_at: Date;
  activated_by: string;
  message: string | null;
}

/** A listed revision: whether it is the active one, and when it last was made active. */
export interface ListedRevision extends RevisionRow {
  active: boolean;
  last_activated_at: Date | null;
}

// Namespaces the advisory lock that orders activations across processes.
const ACTIVATION_LOCK = 7_230_416_024;

const COLUMNS = 'r.id, r.number, r.policy_ids, r.author, r.source_commit as commit, r.message, r.applied_at, r.applied_by';

/** Serialises activations until the transaction ends, so that their ids follow commit order. */
export async function lockActivations(tx: Queryable): Promise<void> {
  await tx.query('select pg_advisory_xact_lock($1)', [ACTIVATION_LOCK]);
}

/** The newest activation: it names the revision servers run. */
export async function newestActivation(db: Queryable): Promise<ActivationRow | undefined> {
  return (await db.query<ActivationRow>('select * from policy_activations order by id desc limit 1')).rows[0];
}

/** A stored revision's files, sorted by name; undefined when no revision has that id. */
export async function revisionFiles(db: Queryable, id: string): Promise<RevisionFile[] | undefined> {
  return (await db.query<{ files: RevisionFile[] }>('select files from policy_revisions where id = $1', [id])).rows[0]?.files;
}

/** Stored revisions by id, without their files (what a decision page shows of its revision). */
export async function revisionsById(db: Queryable, ids: readonly string[]): Promise<RevisionRow[]> {
  return (await db.query<RevisionRow>(`select ${COLUMNS} from policy_revisions r where r.id = any($1::text[])`, [ids])).rows;
}

/** Revisions newest first, `limit` of them stored before the one numbered `before`. */
export async function listRevisions(db: Queryable, o: { limit: number; before?: number }): Promise<ListedRevision[]> {
  const r = await db.query<ListedRevision>(
    `select ${COLUMNS}, coalesce(r.id = (select revision_id from policy_activations order by id desc limit 1), false) as active,
            (select max(a.activated_at) from policy_activations a where a.revision_id = r.id) as last_activated_at
     from policy_revisions r where ($2::bigint is null or r.number < $2) order by r.number desc limit $1`,
    [o.limit, o.before ?? null],
  );
  return r.rows;
}

/** One revision with its files and every activation of it, newest first. */
export async function getRevision(db: Queryable, id: string): Promise<(ListedRevision & { files: RevisionFile[]; activations: ActivationRow[] }) | undefined> {
  const r = await db.query<ListedRevision & { files: RevisionFile[]; activations: ActivationRow[] | null }>(
    `select ${COLUMNS}, r.files, coalesce(r.id = (select revision_id from policy_activations order by id desc limit 1), false) as active,
            (select max(a.activated_at) from policy_activations a where a.revision_id = r.id) as last_activated_at,
            (select json_agg(a order by a.id desc) from policy_activations a where a.revision_id = r.id) as activations
     from policy_revisions r where r.id = $1`,
    [id],
  );
  const row = r.rows[0];
  return row && { ...row, activations: (row.activations ?? []).map((a) => ({ ...a, activated_at: new Date(a.activated_at) })) };
}

/** The newest activations of any revision, newest first (the history of what ran when). */
export async function listActivations(db: Queryable, limit: number): Promise<ActivationRow[]> {
  return (await db.query<ActivationRow>('select * from policy_activations order by id desc limit $1', [limit])).rows;
}

/** Stores a revision unless one with its id (the same files) is stored already; true when stored now. */
export async function insertRevision(tx: Queryable, r: { id: string; files: RevisionFile[]; policyIds: string[]; author: string | null; commit: string | null; message: string | null; by: string; at: Date }): Promise<boolean> {
  const res = await tx.query(
    `insert into policy_revisions (id, files, policy_ids, author, source_commit, message, applied_at, applied_by)
     values ($1, $2::jsonb, $3::text[], $4, $5, $6, $7, $8) on conflict (id) do nothing`,
    [r.id, JSON.stringify(r.files), r.policyIds, r.author, r.commit, r.message, r.at.toISOString(), r.by],
  );
  return res.rowCount === 1;
}

export async function insertActivation(tx: Queryable, a: { revisionId: string; kind: ActivationRow['kind']; by: string; message: string | null; at: Date }): Promise<ActivationRow> {
  const r = await tx.query<ActivationRow>(
    'insert into policy_activations (revision_id, kind, activated_at, activated_by, message) values ($1, $2, $3, $4, $5) returning *',
    [a.revisionId, a.kind, a.at.toISOString(), a.by, a.message],
  );
  const row = r.rows[0];
  if (!row) throw new Error('the activation was not stored');
  return row;
}
