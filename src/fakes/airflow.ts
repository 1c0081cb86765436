/**
 * A fake Airflow that serves the real REST paths: `/api/v1` (Airflow 2, HTTP basic auth) or
 * `/api/v2` (Airflow 3, JWT from `POST /auth/token`). Clears honour `dry_run` as Airflow does:
 * unless it is sent as false, nothing changes. The lists of DAG runs and task instances serve
 * what a test adds to `state`, after a synthetic `history` when one is asked for.
 */
import { randomBytes } from 'node:crypto';
import { FakeAirflowState } from './airflow-state.ts';
import { readClear, readPatch } from './airflow-body.ts';
import { syntheticHistory, type HistoryOptions, type SyntheticHistory } from './airflow-history.ts';
import { listRoutes, type ListSources, type Route } from './airflow-lists.ts';
import { concat, inMemory } from './airflow-records.ts';
import { collectionView, dagRunView, problem, referenceView, taskInstanceView, type Api } from './airflow-views.ts';
import { matchPath, startFakeServer, type FakeReply, type FakeServer, type RecordedCall } from './server.ts';

export interface FakeAirflowOptions {
  api: Api;
  /** @defaultValue admin */
  username?: string;
  /** @defaultValue admin */
  password?: string;
  /** @defaultValue 0 (an ephemeral port) */
  port?: number;
  now?: () => Date;
  /** A large history generated on demand, listed before what `state` holds. @defaultValue none */
  history?: HistoryOptions;
  /** Airflow's `[api] maximum_page_limit`: a larger `limit` is cut to it. @defaultValue 100 */
  maxPageLimit?: number;
}

export interface FakeAirflow extends FakeServer {
  state: FakeAirflowState;
  /** The synthetic history, when `history` was given. */
  history: SyntheticHistory | undefined;
  /** Forgets every issued token, as if they expired: the next v2 call gets a 401. */
  expireTokens(): void;
  /** Tokens issued by `/auth/token` so far. */
  readonly tokensIssued: number;
}

function sourcesOf(state: FakeAirflowState, history: SyntheticHistory | undefined): ListSources {
  const runs = inMemory(() => state.dagRuns);
  const tis = inMemory(() => state.taskInstances);
  return {
    dagRuns: history ? concat(history.dagRuns, runs) : runs,
    taskInstances: history ? concat(history.taskInstances, tis) : tis,
    tries: (d, r, t, m) => state.tries(d, r, t, m) ?? history?.tries(d, r, t, m),
  };
}

function routes(api: Api, state: FakeAirflowState): [string, string, Route][] {
  const prefix = `/api/${api}/dags/{dag_id}`;
  const ti = `${prefix}/dagRuns/{dag_run_id}/taskInstances/{task_id}`;
  const find = (p: Record<string, string>, q: Record<string, string>) => {
    const mapIndex = p.map_index ?? q.map_index;
    return state.taskInstance(p.dag_id ?? '', p.dag_run_id ?? '', p.task_id ?? '', mapIndex === undefined ? -1 : Number(mapIndex));
  };
  const notFound = (p: Record<string, string>) =>
    problem(api, 404, `Task instance not found: dag_id=${p.dag_id} run_id=${p.dag_run_id} task_id=${p.task_id}`, 'Task instance not found');

  const getTi: Route = (c, p) => {
    const t = find(p, c.query);
    return t ? { status: 200, body: taskInstanceView(api, t) } : notFound(p);
  };
  const patchTi: Route = (c, p) => {
    const t = find(p, c.query);
    if (!t) return notFound(p);
    const r = readPatch(api, c.body);
    if (r.kind === 'refused') return r.reply;
    if (r.value.newState && !r.value.dryRun) state.update(t, { state: r.value.newState, end_date: t.end_date ?? state.now().toISOString() });
    return { status: 200, body: api === 'v1' ? referenceView(t) : collectionView(api, [t]) };
  };
  const clear: Route = (c, p) => {
    const dagId = p.dag_id ?? '';
    if (!state.dags.has(dagId)) return problem(api, 404, `DAG with dag_id: '${dagId}' was not found`, 'DAG not found');
    const r = readClear(api, dagId, c.body);
    if (r.kind === 'refused') return r.reply;
    if (r.value.dagRunId !== undefined && !state.dagRun(dagId, r.value.dagRunId)) {
      return problem(api, 404, `Dag Run id ${r.value.dagRunId} not found in dag ${dagId}`, 'Dag Run not found');
    }
    return { status: 200, body: collectionView(api, state.clear(r.value)) };
  };
  const dagRun: Route = (_c, p) => {
    const run = state.dagRun(p.dag_id ?? '', p.dag_run_id ?? '');
    return run ? { status: 200, body: dagRunView(api, run) } : problem(api, 404, `DAGRun with DAG ID: '${p.dag_id}' and DagRun ID: '${p.dag_run_id}' not found`, 'DAGRun not found');
  };
  return [
    ['POST', `${prefix}/clearTaskInstances`, clear],
    ['GET', `${prefix}/dagRuns/{dag_run_id}`, dagRun],
    ['GET', ti, getTi],
    ['GET', `${ti}/{map_index}`, getTi],
    ['PATCH', ti, patchTi],
    ['PATCH', `${ti}/{map_index}`, patchTi],
  ];
}

/** Starts a fake Airflow on a loopback port. */
export async function createFakeAirflow(options: FakeAirflowOptions): Promise<FakeAirflow> {
  const { api } = options;
  const username = options.username ?? 'admin';
  const password = options.password ?? 'admin';
  const state = new FakeAirflowState(options.now ?? (() => new Date()));
  const history = options.history && syntheticHistory({ end: state.now(), ...options.history });
  const tokens = new Set<string>();
  let issued = 0;
  // The lists first: a `…/{task_id}/tries` path would otherwise read as a map index.
  const table = [...listRoutes(api, sourcesOf(state, history), options.maxPageLimit ?? 100), ...routes(api, state)];

  const login = (c: RecordedCall): FakeReply => {
    const b = (c.body ?? {}) as Record<string, unknown>;
    if (typeof b.username !== 'string' || typeof b.password !== 'string') return { status: 422, body: { detail: [{ loc: ['body'], msg: 'username and password are required' }] } };
    if (b.username !== username || b.password !== password) return { status: 401, body: { detail: 'Invalid credentials' } };
    const token = randomBytes(24).toString('base64url');
    tokens.add(token);
    issued += 1;
    return { status: 201, body: { access_token: token } };
  };

  const authorized = (c: RecordedCall): FakeReply | undefined => {
    const header = c.headers.authorization ?? '';
    if (api === 'v1') {
      const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
      return header === expected ? undefined : { ...problem(api, 401, 'Unauthorized', 'Unauthorized'), headers: { 'www-authenticate': 'Basic realm="Airflow"' } };
    }
    if (!header.startsWith('Bearer ')) return problem(api, 401, 'Not authenticated');
    return tokens.has(header.slice('Bearer '.length)) ? undefined : problem(api, 401, 'Invalid JWT token');
  };

  const server = await startFakeServer((c) => {
    if (api === 'v2' && c.method === 'POST' && c.path === '/auth/token') return login(c);
    for (const [method, pattern, route] of table) {
      const p = matchPath(pattern, c.path);
      if (!p) continue;
      if (c.method !== method) continue;
      return authorized(c) ?? route(c, p);
    }
    return problem(api, 404, `no route for ${c.method} ${c.path}`, 'Not Found');
  }, options.port === undefined ? {} : { port: options.port });

  return {
    ...server,
    state,
    history,
    expireTokens: () => tokens.clear(),
    get tokensIssued() {
      return issued;
    },
  };
}
