/**
 * A fake Marquez serving the read paths Medic pulls (`/api/v1/events/lineage`, namespaces,
 * jobs, runs) and `POST /api/v1/lineage` to feed it, with Marquez's query parameters and
 * defaults, `totalCount`, and its error body `{"code": 404, "message": "..."}`. Marquez has no
 * auth of its own; `token` stands for the proxy that usually fronts it.
 */
import { createFakeMarquezState, type FakeMarquezState } from './marquez-state.ts';
import { matchPath, startFakeServer, type FakeReply, type FakeServer, type RecordedCall } from './server.ts';

export interface FakeMarquezOptions {
  /** A bearer token every call must carry. @defaultValue none (open, as Marquez ships) */
  token?: string;
  /**
   * Which generation of the events API it serves: `paged` (Marquez 0.40 on: `offset` and
   * `totalCount`), `time-only` (0.26 to 0.39: neither), `none` (before 0.26: 404).
   * @defaultValue 'paged'
   */
  eventsApi?: EventsApi;
  /** @defaultValue 0 (an ephemeral port) */
  port?: number;
}

export interface FakeMarquez extends FakeServer {
  /** What it holds; a test may add events between two page calls. */
  state: FakeMarquezState;
}

const error = (code: number, message: string): FakeReply => ({ status: code, body: { code, message } });

/** Marquez's query parameters, with its defaults; a reply when one is invalid. */
function intParam(q: Record<string, string>, name: string, fallback: number): number | FakeReply {
  const raw = q[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : error(400, `query param ${name} must be greater than or equal to 0`);
}

function timeParam(q: Record<string, string>, name: string, fallback: string): number | FakeReply {
  const t = Date.parse(q[name] ?? fallback);
  return Number.isNaN(t) ? error(400, `query param ${name} is not a valid date-time`) : t;
}

type Route = (call: RecordedCall, p: Record<string, string>) => FakeReply;
export type EventsApi = 'paged' | 'time-only' | 'none';

function routes(state: FakeMarquezState, eventsApi: EventsApi): [string, string, Route][] {
  const page = (call: RecordedCall, list: unknown[], key: string, counted: boolean): FakeReply => {
    const limit = intParam(call.query, 'limit', 100);
    const offset = intParam(call.query, 'offset', 0);
    if (typeof limit !== 'number') return limit;
    if (typeof offset !== 'number') return offset;
    return { status: 200, body: { [key]: list.slice(offset, offset + limit), ...(counted ? { totalCount: list.length } : {}) } };
  };
  const events: Route = (c) => {
    if (eventsApi === 'none') return error(404, 'HTTP 404 Not Found');
    const [before, after, limit, offset] = [
      timeParam(c.query, 'before', '2030-01-01T00:00:00Z'), timeParam(c.query, 'after', '1970-01-01T00:00:00Z'),
      intParam(c.query, 'limit', 100), intParam(c.query, 'offset', 0),
    ];
    for (const p of [before, after, limit, offset]) if (typeof p !== 'number') return p;
    const direction = (c.query.sortDirection ?? 'desc').toLowerCase();
    if (direction !== 'asc' && direction !== 'desc') return error(400, `query param sortDirection must be one of asc, desc`);
    const paged = eventsApi === 'paged';
    const q = { before: before as number, after: after as number, limit: limit as number, offset: paged ? (offset as number) : 0, asc: direction === 'asc' };
    const answer = state.events(q);
    return { status: 200, body: paged ? answer : { events: answer.events } };
  };
  return [
    ['GET', '/api/v1/events/lineage', events],
    ['GET', '/api/v1/namespaces', (c) => page(c, state.namespaces(), 'namespaces', false)],
    ['GET', '/api/v1/namespaces/{namespace}/jobs', (c, p) => {
      const jobs = state.jobs(p.namespace ?? '');
      return jobs ? page(c, jobs, 'jobs', true) : error(404, `Namespace not found: ${p.namespace}`);
    }],
    ['GET', '/api/v1/namespaces/{namespace}/jobs/{job}/runs', (c, p) => {
      const runs = state.runs(p.namespace ?? '', p.job ?? '');
      return runs ? page(c, runs, 'runs', true) : error(404, `Job not found: ${p.job}`);
    }],
    ['POST', '/api/v1/lineage', (c) => {
      try {
        state.add(c.body);
        return { status: 201 };
      } catch (err: unknown) {
        return error(422, err instanceof Error ? err.message : String(err));
      }
    }],
  ];
}

/** Starts a fake Marquez on a loopback port. */
export async function createFakeMarquez(options: FakeMarquezOptions = {}): Promise<FakeMarquez> {
  const state = createFakeMarquezState();
  const table = routes(state, options.eventsApi ?? 'paged');
  const server = await startFakeServer((c) => {
    if (options.token !== undefined && c.headers.authorization !== `Bearer ${options.token}`) return error(401, 'Unauthorized');
    for (const [method, pattern, route] of table) {
      const p = matchPath(pattern, c.path);
      if (p && c.method === method) return route(c, p);
    }
    return error(404, 'HTTP 404 Not Found');
  }, options.port === undefined ? {} : { port: options.port });
  return { ...server, state };
}
