/** Revisions and their outcomes as the API answers them and `medic policies … --json` prints them. */
import type { LoadedFrom } from './active.ts';
import type { ActivateOutcome, ApplyOutcome, Baseline } from './revisions.ts';
import type { RevisionRow } from './revisions-sql.ts';

/** Where a revision is read through the API. */
export const revisionHref = (id: string): string => `/v1/policies/revisions/${id}`;

/** A revision's facts, with where to read it whole. */
export function revisionFacts(r: RevisionRow) {
  return { id: r.id, number: r.number, author: r.author, commit: r.commit, message: r.message, applied_at: r.applied_at, applied_by: r.applied_by, href: revisionHref(r.id) };
}

function against(b: Baseline) {
  return b.kind === 'revision' ? { kind: 'revision' as const, ...revisionFacts(b.revision) } : { kind: 'folder' as const, id: b.revision, dir: b.dir };
}

/** An apply that was not refused: what it was compared with, what changes, and the activation it made. */
export function applyAnswer(o: Exclude<ApplyOutcome, { kind: 'invalid' }>) {
  return {
    outcome: o.kind, revision: o.revision, href: o.kind === 'dry_run' ? null : revisionHref(o.revision), policies: o.policyIds,
    against: against(o.baseline), changes: o.changes,
    activation: o.kind === 'applied' ? o.activation : null, stored: o.kind === 'applied' ? o.stored : false,
  };
}

/** An activation that was not refused. */
export function activateAnswer(o: Extract<ActivateOutcome, { kind: 'already_active' | 'activated' }>) {
  return {
    outcome: o.kind, revision: revisionFacts(o.revision),
    activation: o.kind === 'activated' ? o.activation : null, previous: o.kind === 'activated' ? o.previous : null,
  };
}

/** Where the loaded set came from, as `GET /v1/policies` says. */
export function loadedFromAnswer(from: LoadedFrom) {
  return from.kind === 'folder'
    ? { kind: 'folder' as const, dir: from.dir }
    : { kind: 'revision' as const, revision: revisionFacts(from.revision), activation: from.activation };
}
