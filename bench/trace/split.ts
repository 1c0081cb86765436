/**
 * The trace and origin of one instance computed in-process, as the route computes them, with the
 * time split between each query and the JavaScript around them; then, when asked, each query's
 * plan and a CPU profile of the calls.
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from 'simple-statistics';
import type { Pool } from '../../src/db/pool.ts';
import { datasetLookup } from '../../src/trace/datasets.ts';
import { originOf } from '../../src/trace/origin.ts';
import { traceService } from '../../src/trace/service.ts';
import { cpuProfile, explainAll, recording, type SentQuery } from './profile.ts';

const f1 = (x: number) => x.toFixed(1).padStart(8);

/** One traced call: what each query took, and the trace's own parts. */
interface Call { sent: SentQuery[]; traceMs: number; originMs: number; jsonMs: number }

async function once(pool: Pool, service: string, key: string, at: Date): Promise<Call> {
  const sent: SentQuery[] = [];
  const db = recording(pool, sent);
  const t = performance.now();
  const out = await traceService({ db, datasets: datasetLookup(db) }, service, key, at);
  const traceMs = performance.now() - t;
  if (out.kind !== 'trace') throw new Error(`no trace of ${service} ${key}: ${out.what}`);
  const o = performance.now();
  const report = originOf(out.trace);
  const originMs = performance.now() - o;
  const j = performance.now();
  JSON.stringify(out.trace);
  JSON.stringify(report);
  return { sent, traceMs, originMs, jsonMs: performance.now() - j };
}

/** Medians over `calls` in-process calls: each query by its sender, and the JavaScript between them. */
export async function printSplit(pool: Pool, service: string, key: string, at: Date, calls: number): Promise<SentQuery[]> {
  const all: Call[] = [];
  for (let i = 0; i < calls; i++) all.push(await once(pool, service, key, at));
  const last = all.at(-1) as Call;
  console.log(`\nwhere the time goes: the trace of ${key} computed in-process, median of ${calls} calls (ms; queries in the order sent — some go in parallel, so their sum can pass the wall time)\n`);
  console.log(`${'step'.padEnd(64)} ${'ms'.padStart(8)} ${'rows'.padStart(8)}`);
  last.sent.forEach((q, i) => {
    const ms = median(all.map((c) => c.sent[i]?.ms ?? 0));
    console.log(`${`query ${i + 1}: ${q.caller}`.slice(0, 64).padEnd(64)} ${f1(ms)} ${String(q.rows).padStart(8)}`);
  });
  const traceMs = median(all.map((c) => c.traceMs));
  const queryMs = median(all.map((c) => c.sent.reduce((s, q) => s + q.ms, 0)));
  console.log(`${'queries, summed'.padEnd(64)} ${f1(queryMs)}`);
  console.log(`${'buildTrace (traceService) in all, queries included'.padEnd(64)} ${f1(traceMs)}`);
  console.log(`${'  of which JavaScript, at least (total − queries summed)'.padEnd(64)} ${f1(Math.max(0, traceMs - queryMs))}`);
  console.log(`${'originOf (the origin endpoint\'s analysis, after the trace)'.padEnd(64)} ${f1(median(all.map((c) => c.originMs)))}`);
  console.log(`${'JSON.stringify of the trace and the report'.padEnd(64)} ${f1(median(all.map((c) => c.jsonMs)))}`);
  return last.sent;
}

/** Each query's plan with its own parameters; the full plan of those over `fullOverMs`. */
export async function printPlans(pool: Pool, sent: SentQuery[], fullOverMs = 5): Promise<void> {
  const plans = await explainAll(pool, sent);
  console.log('\nEXPLAIN (ANALYZE, BUFFERS) of each query with the parameters the trace sent (ms as PostgreSQL reports them)\n');
  console.log(`${'query'.padEnd(56)} ${'plan'.padStart(7)} ${'exec'.padStart(8)} ${'jit'.padStart(7)}`);
  plans.forEach((p, i) => console.log(`${`${i + 1}: ${p.caller}`.slice(0, 56).padEnd(56)} ${p.planningMs.toFixed(1).padStart(7)} ${p.executionMs.toFixed(1).padStart(8)} ${p.jitMs.toFixed(1).padStart(7)}`));
  for (const [i, p] of plans.entries()) {
    if (p.executionMs + p.planningMs < fullOverMs) continue;
    console.log(`\n-- query ${i + 1}: ${p.caller}\n${(sent[i]?.text ?? '').replace(/\s+/g, ' ').trim()}\n${p.plan.map((l) => `   ${l.length > 200 ? `${l.slice(0, 200)}…` : l}`).join('\n')}`);
  }
}

/** A CPU profile of `calls` traces and origins; the functions that took the most, and where the raw profile is. */
export async function printProfile(pool: Pool, service: string, key: string, at: Date, calls: number): Promise<void> {
  const { functions, wallMs, profile } = await cpuProfile(async () => {
    for (let i = 0; i < calls; i++) await once(pool, service, key, at);
  });
  const file = join(tmpdir(), `medic-bench-trace-${process.pid}.cpuprofile`);
  await writeFile(file, JSON.stringify(profile));
  const per = (ms: number) => f1(ms / calls);
  const idle = functions.find((f) => f.fn.startsWith('(idle)'))?.selfMs ?? 0;
  console.log(`\nCPU profile of ${calls} traces with their origin analysis, per call (ms; wall ${(wallMs / calls).toFixed(1)}, of which idle — waiting for PostgreSQL — ${(idle / calls).toFixed(1)}); open ${file} in Chrome DevTools for the flame chart\n`);
  const show = (title: string, rows: typeof functions, key: 'selfMs' | 'totalMs') => {
    console.log(`${title.padEnd(84)} ${'self'.padStart(8)} ${'total'.padStart(8)}`);
    for (const f of rows.sort((a, b) => b[key] - a[key]).slice(0, 18)) console.log(`${f.fn.slice(0, 84).padEnd(84)} ${per(f.selfMs)} ${per(f.totalMs)}`);
  };
  const ours = functions.filter((f) => /\s(src|bench)\//.test(f.fn));
  show("Medic's functions, by total time (with what they call)", ours, 'totalMs');
  console.log('');
  show('every function, by self time', functions.filter((f) => !/^\((idle|root|program)\)/.test(f.fn)), 'selfMs');
}
