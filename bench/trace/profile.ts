/**
 * Where a trace's time goes, measured in-process: each query it sends (named by the function of
 * Medic's that sent it, with its rows and milliseconds), the plan PostgreSQL ran for each
 * (`EXPLAIN (ANALYZE, BUFFERS)` with the same parameters), and a V8 CPU profile of the whole call
 * summed by function.
 */
import { Session } from 'node:inspector/promises';
import type { Pool, Queryable } from '../../src/db/pool.ts';

/** One query a trace sent. */
export interface SentQuery {
  /** The function of Medic that sent it, e.g. `runsBefore (src/sla/instance-sql.ts)`. */
  caller: string;
  text: string;
  values: unknown[];
  ms: number;
  rows: number;
}

/** The function outside this file and outside node_modules that called `query`. */
function callerOf(stack: string | undefined): string {
  for (const line of (stack ?? '').split('\n').slice(1)) {
    const m = /at (?:async )?([\w.$<>]+) \(.*?\/((?:src|bench)\/[^:)]+)/.exec(line);
    if (m && !m[2]?.startsWith('bench/trace/')) return `${m[1]} (${m[2]})`;
  }
  return 'unknown';
}

/** A pool that records every query sent through it into `log`. */
export function recording(pool: Pool, log: SentQuery[]): Queryable {
  // Queries come as text and values, or as one config object (rows as arrays).
  const query = async (textOrConfig: string | { text: string; values?: unknown[]; rowMode?: 'array' }, given: unknown[] = []) => {
    const caller = callerOf(new Error().stack);
    const text = typeof textOrConfig === 'string' ? textOrConfig : textOrConfig.text;
    const values = typeof textOrConfig === 'string' ? given : (textOrConfig.values ?? []);
    const t = performance.now();
    const r = await pool.query(textOrConfig as string, typeof textOrConfig === 'string' ? values : undefined);
    log.push({ caller, text, values, ms: performance.now() - t, rows: r.rowCount ?? r.rows.length });
    return r;
  };
  return { query: query as unknown as Queryable['query'] };
}

/** Each query of `sent` explained with its own parameters: its plan, and the times PostgreSQL reports. */
export async function explainAll(pool: Pool, sent: SentQuery[]): Promise<{ caller: string; planningMs: number; executionMs: number; jitMs: number; plan: string[] }[]> {
  const out = [];
  for (const q of sent) {
    const r = await pool.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers, format text) ${q.text}`, q.values);
    const plan = r.rows.map((x) => x['QUERY PLAN']);
    const num = (re: RegExp) => Number(plan.map((l) => re.exec(l)?.[1]).find((x) => x !== undefined) ?? 0);
    out.push({ caller: q.caller, planningMs: num(/^Planning Time: ([\d.]+)/), executionMs: num(/^Execution Time: ([\d.]+)/), jitMs: num(/Timing: .*Total ([\d.]+) ms/), plan });
  }
  return out;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

/** A function's time in a CPU profile: its own, and with what it called. */
export interface FunctionTime { fn: string; selfMs: number; totalMs: number }

/** Profiles `fn` with V8's sampling profiler; the raw profile is returned beside the sums per function. */
export async function cpuProfile(fn: () => Promise<void>): Promise<{ functions: FunctionTime[]; wallMs: number; profile: CpuProfile }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    const t = performance.now();
    await fn();
    const wallMs = performance.now() - t;
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    return { functions: sumByFunction(profile), wallMs, profile };
  } finally {
    session.disconnect();
  }
}

const label = (n: ProfileNode) => {
  const { functionName, url, lineNumber } = n.callFrame;
  const where = url.replace(/^file:\/\//, '').replace(/^.*?\/(node_modules\/|src\/|bench\/)/, '$1');
  // Under tsx every function of a module reports line 1; a bundle reports real lines.
  return `${functionName || '(anonymous)'}${where ? ` ${where}${lineNumber > 0 ? `:${lineNumber + 1}` : ''}` : ''}`;
};

function sumByFunction(p: CpuProfile): FunctionTime[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const ms = (p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(id);
    if (!node) return;
    self.set(label(node), (self.get(label(node)) ?? 0) + ms);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (!n) break;
      const l = label(n);
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + ms);
    }
  });
  return [...total].map(([fn, totalMs]) => ({ fn, selfMs: self.get(fn) ?? 0, totalMs }));
}
