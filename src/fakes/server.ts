/**
 * The plumbing every fake orchestrator shares: a node:http server on a loopback port that
 * records each request, can be scripted to fail the next ones, and hands the rest to the
 * fake's own routes. Fakes ship in src/ because `medic demo` runs the whole loop against them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as a fake received it. */
export interface RecordedCall {
  method: string;
  /** The path as sent (still URL-encoded), without the query. */
  path: string;
  query: Record<string, string>;
  /** Header names in lower case. */
  headers: Record<string, string>;
  rawBody: string;
  /** The body parsed as JSON or a form, undefined when empty or unreadable. */
  body: unknown;
  /** When it arrived, in milliseconds since the epoch (fractional). */
  receivedAt: number;
}

/** What a fake route answers. */
export interface FakeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * A scripted failure: a status (with an optional `Retry-After` and body), a request that is
 * never answered (`hang`; with `apply` the fake acts on it first, as a server that did the work
 * and then lost the answer), or a connection dropped without an answer (`reset`).
 */
export type ScriptedFailure =
  | number
  | { status: number; retryAfter?: number | string; body?: unknown }
  | { hang: true; apply?: boolean }
  | { reset: true };

export interface FakeServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Every request received, in order, scripted failures included. */
  calls: RecordedCall[];
  /** Fails the next requests (whose path contains `path`, when given) in order, one per request. */
  failNext(failures: ScriptedFailure[], options?: { path?: string }): void;
  close(): Promise<void>;
}

export type FakeRoutes = (call: RecordedCall) => FakeReply;

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw.trim() === '') return undefined;
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

async function record(req: IncomingMessage): Promise<RecordedCall> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const rawBody = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url ?? '/', 'http://fake');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return {
    method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers, rawBody,
    body: parseBody(rawBody, headers['content-type']), receivedAt: performance.timeOrigin + performance.now(),
  };
}

function reply(res: ServerResponse, r: FakeReply): void {
  const body = r.body === undefined ? '' : JSON.stringify(r.body);
  res.writeHead(r.status, { ...(body ? { 'content-type': 'application/json' } : {}), ...r.headers });
  res.end(body);
}

function failureReply(f: Exclude<ScriptedFailure, { hang: true } | { reset: true }>): FakeReply {
  if (typeof f === 'number') return { status: f, body: { message: `scripted failure ${f}` } };
  return {
    status: f.status,
    body: f.body ?? { message: `scripted failure ${f.status}` },
    ...(f.retryAfter === undefined ? {} : { headers: { 'retry-after': String(f.retryAfter) } }),
  };
}

/** Starts a fake on an ephemeral loopback port (or `port`). */
export async function startFakeServer(routes: FakeRoutes, options: { port?: number; host?: string } = {}): Promise<FakeServer> {
  const calls: RecordedCall[] = [];
  const script: { failure: ScriptedFailure; path: string | undefined }[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    void record(req).then((call) => {
      calls.push(call);
      const i = script.findIndex((s) => s.path === undefined || call.path.includes(s.path));
      const scripted = i >= 0 ? script.splice(i, 1)[0]?.failure : undefined;
      if (scripted !== undefined && typeof scripted === 'object' && 'hang' in scripted) {
        if (scripted.apply) routes(call);
        return; // never answered
      }
      if (scripted !== undefined && typeof scripted === 'object' && 'reset' in scripted) {
        req.socket.destroy();
        return;
      }
      try {
        reply(res, scripted !== undefined ? failureReply(scripted) : routes(call));
      } catch (err: unknown) {
        reply(res, { status: 500, body: { message: err instanceof Error ? err.message : String(err) } });
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    calls,
    failNext(failures, opts) {
      for (const failure of failures) script.push({ failure, path: opts?.path });
    },
    close() {
      // Hung requests keep their sockets open; a fake that is closed answers nobody.
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Matches `path` against a pattern like `/api/v1/dags/{dag_id}/clearTaskInstances`; each
 * segment is URL-decoded on its own, so an encoded `/` or `:` stays inside its parameter.
 */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    const w = want[i] ?? '';
    const g = got[i] ?? '';
    if (w.startsWith('{') && w.endsWith('}')) {
      if (g === '') return undefined;
      try {
        params[w.slice(1, -1)] = decodeURIComponent(g);
      } catch {
        return undefined;
      }
    } else if (w !== g) return undefined;
  }
  return params;
}
