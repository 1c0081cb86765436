/** Steady mixed traffic against a server, every answer recorded with the phase it came in. */
import { batchOf } from './load.ts';

export interface Answer {
  phase: string;
  route: string;
  /** null: no answer within the client's timeout, or the connection failed. */
  status: number | null;
  retryAfter: string | null;
  /** A decision answered by the safe default, and why. */
  degraded: string | null;
  /** How long the answer took, reported (never asserted): a server that is down should say so at once. */
  ms: number;
}

const ROUTES = ['POST /v1/events', 'GET /v1/runs', 'POST /v1/decide', 'GET /readyz'] as const;

/** Sends one request of each route in turn from `workers` loops until `stop()`; `phase()` labels each answer. */
export async function hammer(url: string, o: { workers: number; phase: () => string; stop: () => boolean; namespace: string; timeoutMs?: number }): Promise<Answer[]> {
  const answers: Answer[] = [];
  let n = 0;
  await Promise.all(Array.from({ length: o.workers }, async () => {
    while (!o.stop()) {
      const i = n++;
      const route = ROUTES[i % ROUTES.length] ?? 'GET /readyz';
      const started = o.phase();
      const init = requestOf(route, o.namespace, i);
      const t0 = performance.now();
      try {
        const res = await fetch(`${url}${init.path}`, { ...init.request, signal: AbortSignal.timeout(o.timeoutMs ?? 30_000) });
        const phase = phaseOf(started, o.phase());
        const body = await res.json().catch(() => undefined) as { result?: { degraded?: { reason?: string } | null } } | undefined;
        answers.push({ phase, route, status: res.status, retryAfter: res.headers.get('retry-after'), degraded: body?.result?.degraded?.reason ?? null, ms: performance.now() - t0 });
      } catch {
        answers.push({ phase: phaseOf(started, o.phase()), route, status: null, retryAfter: null, degraded: null, ms: performance.now() - t0 });
      }
      // Steady, not a flood: the fault is the outage, not overload.
      await new Promise((r) => setTimeout(r, 20));
    }
  }));
  return answers;
}

/** A request that was in flight when the server went down belongs to the outage, whenever it started. */
const phaseOf = (started: string, ended: string) => (started === 'before' && ended !== 'before' ? 'down' : started);

function requestOf(route: (typeof ROUTES)[number], namespace: string, i: number): { path: string; request: RequestInit } {
  const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  switch (route) {
    case 'POST /v1/events':
      return { path: '/v1/events', request: json({ source: 'generic', events: batchOf(namespace, `h${i}`, 5).events }) };
    case 'GET /v1/runs':
      return { path: `/v1/runs?namespace=${namespace}&limit=5`, request: {} };
    case 'POST /v1/decide':
      return { path: '/v1/decide', request: json({ input: { kind: 'failure', source: 'generic', job: `${namespace}/job_0`, run: { key: `h${i}` }, attempt: 1, error: { message: 'could not connect to server: Connection refused' } } }) };
    case 'GET /readyz':
      return { path: '/readyz', request: {} };
    default: {
      const never: never = route;
      return never;
    }
  }
}

/** Counts of answers in a phase by status class, with the ones that broke the promise named. */
export function tally(answers: Answer[], phase: string) {
  const of = answers.filter((a) => a.phase === phase);
  return {
    total: of.length,
    ok: of.filter((a) => a.status !== null && a.status < 300).length,
    unavailable: of.filter((a) => a.status === 503).length,
    unavailableWithRetryAfter: of.filter((a) => a.status === 503 && a.retryAfter !== null).length,
    degradedDecisions: of.filter((a) => a.degraded !== null).length,
    s5xxOther: of.filter((a) => a.status !== null && a.status >= 500 && a.status !== 503).length,
    noAnswer: of.filter((a) => a.status === null).length,
    other4xx: of.filter((a) => a.status !== null && a.status >= 400 && a.status < 500).length,
    p50Ms: Math.round(quantile(of.map((a) => a.ms), 0.5)),
    maxMs: Math.round(Math.max(0, ...of.map((a) => a.ms))),
  };
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
}
