/**
 * A fake Argo Server: `GET /api/v1/workflows/{namespace}/{name}`, `PUT …/retry` and
 * `PUT …/resubmit` with a bearer token, and Argo's rules: a retry needs a Failed or Error
 * workflow (a Succeeded one only with restartSuccessful and a node selector), a memoized
 * resubmit too. Listings: live workflows (argo-list.ts) and the archive (argo-archive.ts).
 * Errors are grpc-gateway `{code, message}`.
 */
import { randomBytes } from 'node:crypto';
import { getArchived, listArchived, type ArchiveBounds } from './argo-archive.ts';
import { grpcError as grpc, listWorkflows } from './argo-list.ts';
import { matchPath, startFakeServer, type FakeReply, type FakeServer, type RecordedCall } from './server.ts';

export interface FakeNode {
  id: string;
  name: string;
  displayName: string;
  type: string;
  templateName?: string;
  phase: string;
}

export interface FakeWorkflow {
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string; creationTimestamp: string; generateName?: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
  status: { phase: string; startedAt?: string; finishedAt?: string | undefined; message?: string; nodes: Record<string, FakeNode> };
}

export interface FakeArgoState {
  /** By `namespace/name`. */
  workflows: Map<string, FakeWorkflow>;
  /** The workflow archive, by uid. */
  archived: Map<string, FakeWorkflow>;
  /** Bumped to expire every continue token handed out so far. */
  listGeneration: number;
}

/** A workflow to add; times are RFC 3339, `startedAt` now by default, `finishedAt` now for an ended phase. */
export interface NewFakeWorkflow {
  namespace: string;
  name: string;
  phase: string;
  nodes?: FakeNode[];
  generateName?: string;
  labels?: Record<string, string>;
  startedAt?: string;
  finishedAt?: string;
}

export interface FakeArgo extends FakeServer {
  state: FakeArgoState;
  addWorkflow(w: NewFakeWorkflow): FakeWorkflow;
  workflow(namespace: string, name: string): FakeWorkflow | undefined;
  /** Plays the controller: the workflow and its unfinished nodes end in `phase`. */
  complete(namespace: string, name: string, phase?: 'Succeeded' | 'Failed'): void;
  /** Plays the controller's archiving: the workflow goes to the archive and, unless `keepLive`, leaves the cluster. */
  archive(namespace: string, name: string, options?: { keepLive?: boolean }): FakeWorkflow | undefined;
  /** Plays etcd compaction: every continue token handed out so far is too old from now on. */
  expireContinueTokens(): void;
}

const ENDED = new Set(['Succeeded', 'Failed', 'Error']);
const bad = (message: string) => grpc(400, 3, message);

/** `key=value` / `key!=value`, comma-joined, over a node's fields (as Argo's field selector). */
function selects(selector: string, node: FakeNode): boolean {
  return selector.split(',').filter((s) => s.trim() !== '').every((term) => {
    const m = /^\s*([\w.]+)\s*(!=|==|=)\s*(.*?)\s*$/.exec(term);
    if (!m) return false;
    const value = (node as unknown as Record<string, unknown>)[m[1] ?? ''];
    return m[2] === '!=' ? value !== m[3] : value === m[3];
  });
}

function retry(w: FakeWorkflow, body: Record<string, unknown>): FakeReply {
  const selector = typeof body.nodeFieldSelector === 'string' ? body.nodeFieldSelector : '';
  const restartSuccessful = body.restartSuccessful === true;
  const phase = w.status.phase;
  if (phase === 'Succeeded' && !(restartSuccessful && selector !== '')) {
    return bad('To retry a succeeded workflow, set the options restartSuccessful and nodeFieldSelector');
  }
  if (phase !== 'Failed' && phase !== 'Error' && phase !== 'Succeeded') return bad(`Cannot retry a workflow in phase ${phase}`);
  for (const node of Object.values(w.status.nodes)) {
    const failed = node.phase === 'Failed' || node.phase === 'Error';
    const restart = restartSuccessful && selector !== '' && node.phase === 'Succeeded' && selects(selector, node);
    if (failed || restart) node.phase = 'Pending';
  }
  w.status.phase = 'Running';
  w.status.finishedAt = undefined;
  return { status: 200, body: w };
}

/** Starts a fake Argo Server on a loopback port; its archive reads time bounds as Argo 3.5+ does unless told otherwise. */
export async function createFakeArgo(options: { token: string; port?: number; archiveBounds?: ArchiveBounds }): Promise<FakeArgo> {
  const state: FakeArgoState = { workflows: new Map(), archived: new Map(), listGeneration: 0 };
  const key = (ns: string, name: string) => `${ns}/${name}`;

  const addWorkflow: FakeArgo['addWorkflow'] = (w) => {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const startedAt = w.startedAt ?? now;
    const finishedAt = w.finishedAt ?? (ENDED.has(w.phase) ? now : undefined);
    const wf: FakeWorkflow = {
      metadata: {
        name: w.name, namespace: w.namespace, uid: randomBytes(16).toString('hex'), resourceVersion: String(state.workflows.size + 1),
        creationTimestamp: startedAt, labels: { ...w.labels },
        ...(w.generateName ? { generateName: w.generateName } : {}),
      },
      spec: { entrypoint: 'main' },
      status: { phase: w.phase, startedAt, ...(finishedAt ? { finishedAt } : {}), nodes: Object.fromEntries((w.nodes ?? []).map((n) => [n.id, { ...n }])) },
    };
    state.workflows.set(key(w.namespace, w.name), wf);
    return wf;
  };

  const resubmit = (w: FakeWorkflow, body: Record<string, unknown>): FakeReply => {
    if (body.memoized === true && w.status.phase !== 'Failed' && w.status.phase !== 'Error') {
      return bad('workflow must be Failed/Error to resubmit in memoized mode');
    }
    const stem = w.metadata.generateName ?? `${w.metadata.name}-`;
    const created = addWorkflow({ namespace: w.metadata.namespace, name: `${stem}${randomBytes(3).toString('hex').slice(0, 5)}`, phase: 'Running', generateName: stem });
    created.metadata.labels['workflows.argoproj.io/resubmitted-from-workflow'] = w.metadata.name;
    return { status: 200, body: created };
  };

  const lists = (c: RecordedCall): FakeReply | undefined => {
    if (c.method !== 'GET') return undefined;
    if (c.path === '/api/v1/workflows/') return listWorkflows(state.workflows.values(), undefined, c.query, state.listGeneration);
    const ns = matchPath('/api/v1/workflows/{namespace}', c.path);
    if (ns) return listWorkflows(state.workflows.values(), ns.namespace ?? '', c.query, state.listGeneration);
    if (c.path === '/api/v1/archived-workflows') return listArchived(state.archived.values(), c.query, options.archiveBounds ?? 'inclusive');
    const uid = matchPath('/api/v1/archived-workflows/{uid}', c.path);
    return uid ? getArchived(state.archived, uid.uid ?? '') : undefined;
  };

  const handle = (c: RecordedCall): FakeReply => {
    if (c.headers.authorization !== `Bearer ${options.token}`) return grpc(401, 16, 'token not valid');
    const listed = lists(c);
    if (listed) return listed;
    const base = '/api/v1/workflows/{namespace}/{name}';
    const get = matchPath(base, c.path);
    const verb = matchPath(`${base}/{verb}`, c.path);
    const p = get ?? verb;
    if (!p) return grpc(404, 5, `no route for ${c.path}`);
    const w = state.workflows.get(key(p.namespace ?? '', p.name ?? ''));
    if (!w) return grpc(404, 5, `workflows.argoproj.io "${p.name}" not found`);
    if (get && c.method === 'GET') return { status: 200, body: w };
    const body = (typeof c.body === 'object' && c.body !== null ? c.body : {}) as Record<string, unknown>;
    if (verb?.verb === 'retry' && c.method === 'PUT') return retry(w, body);
    if (verb?.verb === 'resubmit' && c.method === 'PUT') return resubmit(w, body);
    return grpc(405, 12, `method ${c.method} not allowed on ${c.path}`);
  };

  const server = await startFakeServer(handle, options.port === undefined ? {} : { port: options.port });
  return {
    ...server,
    state,
    addWorkflow,
    workflow: (ns, name) => state.workflows.get(key(ns, name)),
    complete(ns, name, phase = 'Succeeded') {
      const w = state.workflows.get(key(ns, name));
      if (!w) return;
      for (const n of Object.values(w.status.nodes)) if (n.phase === 'Pending' || n.phase === 'Running') n.phase = phase;
      w.status.phase = phase;
      w.status.finishedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    },
    archive(ns, name, { keepLive = false } = {}) {
      const w = state.workflows.get(key(ns, name));
      if (!w) return undefined;
      state.archived.set(w.metadata.uid, structuredClone(w));
      if (!keepLive) state.workflows.delete(key(ns, name));
      return w;
    },
    expireContinueTokens() {
      state.listGeneration += 1;
    },
  };
}
