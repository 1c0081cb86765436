/**
 * Promotion with history. A *revision* is a policy set as applied — its files, author, source
 * commit and message — stored once under its content hash (the revision a loaded set reports, so
 * decisions name it). An *activation* makes one revision the one servers run; a rollback is a new
 * activation of an earlier revision, so the record of what ran when is only ever appended to.
 */
import { withTransaction, type Pool, type Queryable } from '../db/pool.ts';
import { withLines } from './check.ts';
import { createHashingEmbedder } from '../signatures/embedder.ts';
import { loadPolicySet, parsePolicySet, type PolicyIssue, type PolicySet } from './load.ts';
import { compareSets, type RevisionChanges } from './revision-changes.ts';
import {
  insertActivation, insertRevision, lockActivations, newestActivation, revisionFiles, revisionsById,
  type ActivationRow, type RevisionFile, type RevisionRow,
} from './revisions-sql.ts';

/** What a candidate is compared with: the active stored revision, or, before any is stored, the folder's set a server runs. */
export type Baseline =
  | { kind: 'revision'; revision: RevisionRow }
  | { kind: 'folder'; revision: string; dir: string };

export interface ApplyRequest {
  files: RevisionFile[];
  author: string | null;
  commit: string | null;
  message: string | null;
  /** Who applies: the token's name, or the CLI's user. */
  by: string;
  /** Say what would change, store nothing. */
  dryRun: boolean;
  now: Date;
}

interface Planned { revision: string; policyIds: string[]; baseline: Baseline; changes: RevisionChanges }

export type ApplyOutcome =
  | { kind: 'invalid'; issues: PolicyIssue[] }
  | ({ kind: 'dry_run' } & Planned)
  | ({ kind: 'already_active' } & Planned)
  | ({ kind: 'applied'; activation: ActivationRow; /** False when the same files were stored before (the revision is made active again). */ stored: boolean } & Planned);

export type ActivateOutcome =
  | { kind: 'not_found' }
  | { kind: 'invalid'; issues: PolicyIssue[] }
  | { kind: 'already_active'; revision: RevisionRow }
  | { kind: 'activated'; revision: RevisionRow; activation: ActivationRow; previous: string | null };

const byName = (a: RevisionFile, b: RevisionFile) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The files a revision is made of, in the order a folder lists them, so that its id is the hash the folder would get. */
export const sortedFiles = (files: readonly RevisionFile[]): RevisionFile[] => [...files].sort(byName);

/**
 * Validates stored or candidate files as a set, faults with their lines. The set's revision is
 * the one a server reports once it loads these files, so it is the id they are stored under.
 */
export async function validateFiles(files: RevisionFile[]): Promise<{ kind: 'ok'; set: PolicySet } | { kind: 'invalid'; issues: PolicyIssue[] }> {
  // Class vectors are not kept: the local embedder makes them cheaply, whatever the server's is.
  const loaded = await loadPolicySet(files, createHashingEmbedder());
  return loaded.kind === 'invalid' ? { kind: 'invalid', issues: withLines(loaded.issues, files) } : loaded;
}

/** The active stored revision, with its parsed set; undefined before any is stored. */
async function activeStored(db: Queryable): Promise<{ revision: RevisionRow; parsed: ReturnType<typeof parsePolicySet> } | undefined> {
  const active = await newestActivation(db);
  if (!active) return undefined;
  const [revision] = await revisionsById(db, [active.revision_id]);
  const files = await revisionFiles(db, active.revision_id);
  if (!revision || !files) return undefined;
  return { revision, parsed: parsePolicySet(files) };
}

/**
 * Validates a candidate set, says what it changes against the active revision and, unless it is
 * a dry run, stores it (once per content) and makes it active.
 */
export async function applyRevision(pool: Pool, current: PolicySet, dir: string, req: ApplyRequest): Promise<ApplyOutcome> {
  const files = sortedFiles(req.files);
  const loaded = await validateFiles(files);
  if (loaded.kind === 'invalid') return loaded;
  const { revision } = loaded.set;
  const stored = await activeStored(pool);
  const before = stored?.parsed.kind === 'ok' ? stored.parsed : stored ? { policies: [], classes: [] } : current;
  const baseline: Baseline = stored ? { kind: 'revision', revision: stored.revision } : { kind: 'folder', revision: current.revision, dir };
  const planned: Planned = { revision, policyIds: loaded.set.policies.map((p) => p.id), baseline, changes: compareSets(before, loaded.set) };
  if (stored?.revision.id === revision) return { kind: 'already_active', ...planned };
  if (req.dryRun) return { kind: 'dry_run', ...planned };
  return withTransaction(pool, async (tx): Promise<ApplyOutcome> => {
    await lockActivations(tx);
    if ((await newestActivation(tx))?.revision_id === revision) return { kind: 'already_active', ...planned };
    const isNew = await insertRevision(tx, { id: revision, files, policyIds: planned.policyIds, author: req.author, commit: req.commit, message: req.message, by: req.by, at: req.now });
    const activation = await insertActivation(tx, { revisionId: revision, kind: 'apply', by: req.by, message: req.message, at: req.now });
    return { kind: 'applied', ...planned, activation, stored: isNew };
  });
}

/** Makes a stored revision the active one again (a rollback, or a roll forward after one), as a new activation. */
export async function activateRevision(pool: Pool, id: string, o: { by: string; message: string | null; now: Date }): Promise<ActivateOutcome> {
  const files = await revisionFiles(pool, id);
  if (!files) return { kind: 'not_found' };
  // A revision stored by an older Medic may not be valid for this one: refused rather than run half-read.
  const loaded = await validateFiles(files);
  if (loaded.kind === 'invalid') return loaded;
  return withTransaction(pool, async (tx): Promise<ActivateOutcome> => {
    await lockActivations(tx);
    const [revision] = await revisionsById(tx, [id]);
    if (!revision) return { kind: 'not_found' };
    const previous = await newestActivation(tx);
    if (previous?.revision_id === id) return { kind: 'already_active', revision };
    const activation = await insertActivation(tx, { revisionId: id, kind: 'activate', by: o.by, message: o.message, at: o.now });
    return { kind: 'activated', revision, activation, previous: previous?.revision_id ?? null };
  });
}
