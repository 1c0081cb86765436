/**
 * The fake Argo Server's workflow listing, `GET /api/v1/workflows/{namespace}` (and
 * `/api/v1/workflows/` for every namespace), as a Kubernetes-backed server answers it:
 * workflows in key order (`namespace/name`, as etcd keeps them), `listOptions.limit` and an
 * opaque `listOptions.continue` token, equality label selectors, and the `fields` projection.
 *
 * A continue token names the last key it returned, so a workflow created behind it is missed
 * by the rest of that listing and one created ahead of it is seen, as in a real chunked list.
 * Tokens expire when the test says so (`expireContinueTokens`); Argo Server then answers what
 * it makes of Kubernetes' 410 Gone: gRPC InvalidArgument, HTTP 400, with Kubernetes' message.
 */
import type { FakeReply } from './server.ts';

/** The part of a workflow the listing reads. */
interface Listed {
  metadata: { name: string; namespace: string; labels: Record<string, string> };
}

export const grpcError = (status: number, code: number, message: string): FakeReply => ({ status, body: { code, message, error: message, details: [] } });

// Kubernetes' own words for an expired continue token (StatusReasonExpired).
const EXPIRED = 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

const keyOf = (w: Listed) => `${w.metadata.namespace}/${w.metadata.name}`;

function encodeToken(key: string, generation: number): string {
  return Buffer.from(JSON.stringify({ k: key, g: generation })).toString('base64url');
}

function decodeToken(token: string): { k: string; g: number } | undefined {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (typeof t === 'object' && t !== null && typeof (t as { k?: unknown }).k === 'string' && typeof (t as { g?: unknown }).g === 'number') {
      return t as { k: string; g: number };
    }
  } catch {
    // falls through: not a token this server issued
  }
  return undefined;
}

/**
 * Argo's `fields` parameter in its include form (`metadata,items.metadata.name,…`): only the
 * named paths are kept, a path through a list applying to each of its elements. The exclude
 * form (`-items.status.nodes`) is not modelled: the answer is then whole.
 */
export function projectFields(value: unknown, fields: string | undefined): unknown {
  if (fields === undefined || fields.trim() === '' || fields.trim().startsWith('-')) return value;
  return pick(value, fields.split(',').map((f) => f.trim()).filter((f) => f !== '').map((f) => f.split('.')));
}

function pick(value: unknown, paths: string[][]): unknown {
  if (paths.some((p) => p.length === 0)) return value;
  if (Array.isArray(value)) return value.map((v) => pick(v, paths));
  if (typeof value !== 'object' || value === null) return value;
  const byKey = new Map<string, string[][]>();
  for (const [head, ...rest] of paths) if (head !== undefined) byKey.set(head, [...(byKey.get(head) ?? []), rest]);
  const out: Record<string, unknown> = {};
  for (const [k, rest] of byKey) if (k in value) out[k] = pick((value as Record<string, unknown>)[k], rest);
  return out;
}

/** Lists `workflows` in `namespace` (undefined: every namespace) as `query` asks. */
export function listWorkflows<W extends Listed>(workflows: Iterable<W>, namespace: string | undefined, query: Record<string, string>, generation: number): FakeReply {
  const terms = (query['listOptions.labelSelector'] ?? '').split(',').filter((x) => x.includes('=')).map((x) => x.split('=') as [string, string]);
  const limitText = query['listOptions.limit'];
  const limit = limitText === undefined ? 0 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 0) return grpcError(400, 3, `invalid listOptions.limit "${limitText}"`);
  let after = '';
  const token = query['listOptions.continue'];
  if (token !== undefined && token !== '') {
    const t = decodeToken(token);
    if (!t) return grpcError(400, 3, 'continue key is not valid: invalid continue token');
    if (t.g !== generation) return grpcError(400, 3, EXPIRED);
    after = t.k;
  }
  const matching = [...workflows]
    .filter((w) => (namespace === undefined || w.metadata.namespace === namespace) && terms.every(([k, v]) => w.metadata.labels[k] === v))
    .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0))
    .filter((w) => keyOf(w) > after);
  const items = limit > 0 ? matching.slice(0, limit) : matching;
  const more = limit > 0 && matching.length > limit;
  const last = items.at(-1);
  const metadata = {
    resourceVersion: String(1000 + generation),
    ...(more && last ? { continue: encodeToken(keyOf(last), generation), remainingItemCount: String(matching.length - items.length) } : {}),
  };
  return { status: 200, body: projectFields({ metadata, items }, query.fields) };
}
