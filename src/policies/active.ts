import type { Queryable } from '../db/pool.ts';
import type { Embedder } from '../signatures/embedder.ts';
import { loadPolicySet, type PolicyIssue, type PolicySet } from './load.ts';
import { sortedFiles } from './revisions.ts';
import { newestActivation, revisionFiles, revisionsById, type ActivationRow, type RevisionRow } from './revisions-sql.ts';

/** Where a loaded set came from: the policy folder, or a stored revision and the activation that made it active. */
export type LoadedFrom =
  | { kind: 'folder'; dir: string }
  | { kind: 'revision'; revision: RevisionRow; activation: ActivationRow };

/** The active stored revision as read now: none stored, the one already loaded, loaded, or not loadable by this Medic. */
export type ActiveRead =
  | { kind: 'none' }
  | { kind: 'same' }
  | { kind: 'ok'; set: PolicySet; from: Extract<LoadedFrom, { kind: 'revision' }> }
  | { kind: 'invalid'; issues: PolicyIssue[]; activation: ActivationRow };

/** PostgreSQL's undefined_table: a store whose migrations have not run yet has no revisions. */
const isUndefinedTable = (err: unknown) => typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '42P01';

/**
 * Reads the newest activation and, unless it is `seen` (the one loaded), loads its revision. One
 * indexed row when nothing changed, which is what every replica pays every few seconds.
 */
export async function readActive(db: Queryable, embedder: Embedder, seen?: number): Promise<ActiveRead> {
  let activation: ActivationRow | undefined;
  try {
    activation = await newestActivation(db);
  } catch (err) {
    if (isUndefinedTable(err)) return { kind: 'none' };
    throw err;
  }
  if (!activation) return { kind: 'none' };
  if (activation.id === seen) return { kind: 'same' };
  const [[revision], files] = await Promise.all([revisionsById(db, [activation.revision_id]), revisionFiles(db, activation.revision_id)]);
  if (!revision || !files) throw new Error(`activation ${activation.id} names revision ${activation.revision_id}, which is not stored`);
  const loaded = await loadPolicySet(sortedFiles(files), embedder);
  if (loaded.kind === 'invalid') return { kind: 'invalid', issues: loaded.issues, activation };
  return { kind: 'ok', set: loaded.set, from: { kind: 'revision', revision, activation } };
}
