/**
 * The fake Argo Server's workflow archive: `GET /api/v1/archived-workflows` and
 * `GET /api/v1/archived-workflows/{uid}`, as the server reads its archive table.
 *
 * The listing is what Argo's SQL gives: newest `startedAt` first (ties in no promised order),
 * `listOptions.continue` an offset into that order, `listOptions.limit`, and the field
 * selectors it knows (`metadata.namespace=`, `spec.startedAt>`, `spec.startedAt<`, RFC 3339).
 * Argo 3.5 on reads both bounds as inclusive (`>=`, `<=`), earlier releases as strict: the
 * fake does either. Listed items are summaries (name, namespace, uid, labels, phase,
 * startedAt, finishedAt): the nodes come only with the single-workflow GET.
 */
import { grpcError } from './argo-list.ts';
import type { FakeReply } from './server.ts';

/** The part of a workflow the archive keeps in its columns. */
export interface Archived {
  metadata: { name: string; namespace: string; uid: string; creationTimestamp?: string; labels: Record<string, string> };
  status: { phase: string; startedAt?: string | undefined; finishedAt?: string | undefined };
}

interface Selection {
  namespace: string;
  after: number | undefined;
  before: number | undefined;
}

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** The selection the field selector asks for, or the error Argo answers for it. */
function select(fieldSelector: string, namespace: string): Selection | FakeReply {
  const s: Selection = { namespace, after: undefined, before: undefined };
  for (const term of fieldSelector.split(',').filter((t) => t !== '')) {
    const [, field, op, value = ''] = /^([\w.]+)(=|>|<)(.*)$/.exec(term) ?? [];
    if (field === 'metadata.namespace' && op === '=') {
      s.namespace = value;
    } else if (field === 'spec.startedAt' && (op === '>' || op === '<')) {
      // Argo parses the bound with Go's time.RFC3339 and answers Internal when it cannot.
      if (!RFC3339.test(value)) return grpcError(500, 13, `parsing time "${value}" as "2006-01-02T15:04:05Z07:00": cannot parse`);
      if (op === '>') s.after = Date.parse(value);
      else s.before = Date.parse(value);
    } else {
      return grpcError(400, 3, `unsupported requirement ${term}`);
    }
  }
  return s;
}

const startOf = (w: Archived) => Date.parse(w.status.startedAt ?? '') || 0;

/** How a server reads the `spec.startedAt` bounds. */
export type ArchiveBounds = 'inclusive' | 'strict';

/** `GET /api/v1/archived-workflows` over `archive`. */
export function listArchived(archive: Iterable<Archived>, query: Record<string, string>, bounds: ArchiveBounds): FakeReply {
  const offsetText = query['listOptions.continue'] ?? '';
  const offset = offsetText === '' ? 0 : Number(offsetText);
  if (!Number.isInteger(offset)) return grpcError(400, 3, 'listOptions.continue must be int');
  if (offset < 0) return grpcError(400, 3, 'listOptions.continue must >= 0');
  const limit = Number(query['listOptions.limit'] ?? '0');
  const s = select(query['listOptions.fieldSelector'] ?? '', query.namespace ?? '');
  if ('status' in s) return s;
  const matching = [...archive]
    .filter((w) => (s.namespace === '' || w.metadata.namespace === s.namespace)
      && (s.after === undefined || startOf(w) > s.after || (bounds === 'inclusive' && startOf(w) === s.after))
      && (s.before === undefined || startOf(w) < s.before || (bounds === 'inclusive' && startOf(w) === s.before)))
    .sort((a, b) => startOf(b) - startOf(a));
  const page = limit > 0 ? matching.slice(offset, offset + limit + 1) : matching.slice(offset);
  const more = limit > 0 && page.length > limit;
  const items = (more ? page.slice(0, limit) : page).map((w) => ({
    metadata: { name: w.metadata.name, namespace: w.metadata.namespace, uid: w.metadata.uid, creationTimestamp: w.status.startedAt, labels: w.metadata.labels },
    status: { phase: w.status.phase, startedAt: w.status.startedAt, finishedAt: w.status.finishedAt },
  }));
  return { status: 200, body: { metadata: more ? { continue: String(offset + limit) } : {}, items } };
}

/** `GET /api/v1/archived-workflows/{uid}`: the whole workflow as it was archived. */
export function getArchived(archive: ReadonlyMap<string, Archived>, uid: string): FakeReply {
  const w = archive.get(uid);
  return w ? { status: 200, body: w } : grpcError(404, 5, 'not found');
}
