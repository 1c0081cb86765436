/**
 * `npm run bench:trace`: the trace of a 1,000-job service instance, and where its problems began,
 * served from PostgreSQL holding 1M runs. The production app (`openRuntime` + `buildApp`, the
 * queue in-process and no background sweeps) listens on loopback; each endpoint is requested one
 * at a time after a warm-up — the last instance by its run key (as of now) and as `latest` (as of
 * the seed's end) — and p50/p95/p99/max are printed. Then the time of one trace split by query and
 * JavaScript; over the target (or with `--profile`) each query's plan and a CPU profile.
 * Target: ≤ 150 ms p95. Options: `--requests 200` `--warmup 10` `--reseed` `--profile`
 * `--calls 20` (in-process calls for the split and the profile). The last line is JSON.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { quantileSorted } from 'simple-statistics';
import { loadConfig } from '../../src/config.ts';
import type { Pool } from '../../src/db/pool.ts';
import { buildApp } from '../../src/http/app.ts';
import { openRuntime } from '../../src/runtime.ts';
import type { OriginReport, Trace } from '../../src/trace/types.ts';
import { defaultBaseUrl } from '../decide/seed.ts';
import { BENCH_DB, ensureTraceSeed, SEED_AT, type TraceSeed } from './seed.ts';
import { printPlans, printProfile, printSplit } from './split.ts';

const { values: opt } = parseArgs({
  options: {
    requests: { type: 'string', default: '200' }, warmup: { type: 'string', default: '10' }, calls: { type: 'string', default: '20' },
    reseed: { type: 'boolean', default: false }, profile: { type: 'boolean', default: false },
  },
});
const REQUESTS = Number(opt.requests);
const WARMUP = Number(opt.warmup);
const TARGET_MS = 150;

interface Timing { p50: number; p95: number; p99: number; max: number; status: number; bytes: number; body: unknown; cpuMs: number; load: number }

async function printContext(pool: Pool, seed: TraceSeed & { seedSeconds: number }): Promise<{ version: string; settings: Record<string, string> }> {
  const names = ['shared_buffers', 'work_mem', 'effective_cache_size', 'jit', 'jit_above_cost', 'random_page_cost', 'max_parallel_workers_per_gather'];
  const v = (await pool.query<{ v: string }>('select version() as v')).rows[0]?.v.split(' on ')[0] ?? '';
  const s = await pool.query<{ name: string; value: string }>('select name, current_setting(name) as value from pg_settings where name = any($1) order by name', [names]);
  const settings = Object.fromEntries(s.rows.map((r) => [r.name, r.value]));
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`node ${process.version}; ${v}; ${Object.entries(settings).map(([k, x]) => `${k}=${x}`).join(' ')}`);
  console.log(`seed: ${BENCH_DB}, ${seed.reused ? `reused (seeded in ${seed.seedSeconds.toFixed(0)} s; --reseed rebuilds it)` : `built now in ${seed.seconds.toFixed(0)} s`}; service ${seed.service}, last instance ${seed.lastKey} (${seed.failed.job} failed for good, ${seed.failed.skipped} jobs downstream never ran)`);
  console.log(Object.entries(seed.sizes).map(([k, n]) => `  ${k.padEnd(24)} ${n.toLocaleString('en-US').padStart(10)}`).join('\n'));
  return { version: v, settings };
}

async function measure(base: string, path: string): Promise<Timing> {
  const get = async () => {
    const t = performance.now();
    const res = await fetch(`${base}${path}`);
    const text = await res.text();
    return { ms: performance.now() - t, status: res.status, text };
  };
  for (let i = 0; i < WARMUP; i++) await get();
  const ms: number[] = [];
  let first: Awaited<ReturnType<typeof get>> | undefined;
  const cpu = process.cpuUsage();
  for (let i = 0; i < REQUESTS; i++) {
    const r = await get();
    first ??= r;
    ms.push(r.ms);
  }
  const used = process.cpuUsage(cpu);
  const sorted = ms.sort((a, b) => a - b);
  return {
    // This process's CPU (server and client) per request: what other work on the machine does not inflate.
    cpuMs: (used.user + used.system) / 1000 / REQUESTS, load: loadavg()[0] ?? 0,
    p50: quantileSorted(sorted, 0.5), p95: quantileSorted(sorted, 0.95), p99: quantileSorted(sorted, 0.99), max: sorted.at(-1) ?? 0,
    status: first?.status ?? 0, bytes: Buffer.byteLength(first?.text ?? ''), body: first?.status === 200 ? JSON.parse(first.text) : first?.text,
  };
}

function describe(body: unknown): string {
  const t = body as Partial<Trace> & Partial<OriginReport>;
  if (Array.isArray(t.jobs) && Array.isArray(t.edges)) {
    const inferred = t.edges.filter((e) => e.kinds.includes('inferred')).length;
    return `${t.jobs.length} jobs, ${t.edges.length} edges (${inferred} inferred), ${t.jobs.filter((j) => j.run).length} runs, key ${t.key}`;
  }
  if (Array.isArray(t.problems)) return `${t.problems.length} problems, ${t.candidates?.length ?? 0} candidates, origin ${t.origin?.job ?? 'none'}, ${t.blast?.reruns.length ?? 0} reruns`;
  return String(body).slice(0, 120);
}

async function main(): Promise<void> {
  console.log(`trace bench: GET /v1/services/:name/instances/:key/trace and …/origin over loopback HTTP, target p95 ≤ ${TARGET_MS} ms\n`);
  const seed = await ensureTraceSeed(defaultBaseUrl(), { reseed: opt.reseed });
  const runtime = await openRuntime(loadConfig({ DATABASE_URL: seed.url, LOG_LEVEL: 'warn' }));
  const { deps } = runtime;
  try {
    const pg = await printContext(deps.pool, seed);
    const runsTotal = Number((await deps.pool.query<{ n: string }>('select count(*) as n from runs')).rows[0]?.n ?? 0);
    const app = await buildApp(deps);
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const at = encodeURIComponent(SEED_AT.toISOString());
    const instance = (key: string, what: string, query = '') => `/v1/services/${seed.service}/instances/${encodeURIComponent(key)}/${what}${query}`;
    const endpoints: [string, string][] = [
      ['trace, by key', instance(seed.lastKey, 'trace')], ['trace, latest', instance('latest', 'trace', `?at=${at}`)],
      ['origin, by key', instance(seed.lastKey, 'origin')], ['origin, latest', instance('latest', 'origin', `?at=${at}`)],
    ];
    const results = new Map<string, Timing>();
    try {
      for (const [name, path] of endpoints) results.set(name, await measure(base, path));
    } finally {
      await app.close();
    }
    console.log(`\n${REQUESTS} requests to each after ${WARMUP} to warm up, one at a time over loopback (ms; "node cpu": this process's CPU per request, server and client; "load": the 1-minute load average after)\n`);
    console.log(`${'endpoint'.padEnd(15)} ${'status'.padStart(6)} ${'p50'.padStart(7)} ${'p95'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)} ${'node cpu'.padStart(8)} ${'load'.padStart(5)} ${'size'.padStart(9)}  answer`);
    for (const [name, path] of endpoints) {
      const r = results.get(name) as Timing;
      console.log(`${name.padEnd(15)} ${String(r.status).padStart(6)} ${r.p50.toFixed(1).padStart(7)} ${r.p95.toFixed(1).padStart(7)} ${r.p99.toFixed(1).padStart(7)} ${r.max.toFixed(1).padStart(7)} ${r.cpuMs.toFixed(1).padStart(8)} ${r.load.toFixed(1).padStart(5)} ${`${(r.bytes / 1024).toFixed(0)} KiB`.padStart(9)}  ${describe(r.body)}`);
      if (name === 'trace, by key') console.log(`${''.padEnd(15)} GET ${path}`);
    }
    const trace = results.get('trace, by key')?.body as Trace;
    const worst = Math.max(...[...results.values()].map((r) => r.p95));
    console.log(`\nworst p95 ${worst.toFixed(1)} ms (target ≤ ${TARGET_MS} ms: ${worst <= TARGET_MS ? 'met' : 'NOT met'})`);

    const calls = Number(opt.calls);
    const sent = await printSplit(deps.pool, seed.service, seed.lastKey, new Date(), calls);
    if (worst > TARGET_MS || opt.profile) {
      await printPlans(deps.pool, sent);
      await printProfile(deps.pool, seed.service, seed.lastKey, new Date(), calls);
    }
    const p95 = (name: string) => Math.round((results.get(name)?.p95 ?? 0) * 10) / 10;
    const p50 = (name: string) => Math.round((results.get(name)?.p50 ?? 0) * 10) / 10;
    console.log(JSON.stringify({
      trace_p95_ms: p95('trace, by key'), trace_p50_ms: p50('trace, by key'), trace_latest_p95_ms: p95('trace, latest'),
      trace_node_cpu_ms: Math.round((results.get('trace, by key')?.cpuMs ?? 0) * 10) / 10, origin_p95_ms: p95('origin, by key'), origin_p50_ms: p50('origin, by key'), origin_latest_p95_ms: p95('origin, latest'),
      target_ms: TARGET_MS, met: worst <= TARGET_MS, jobs: trace.jobs.length, edges: trace.edges.length,
      runs_in_trace: trace.jobs.filter((j) => j.run).length, runs_total: runsTotal, requests: REQUESTS, load_average: Math.round((loadavg()[0] ?? 0) * 100) / 100,
      postgres: pg.version, settings: pg.settings,
    }));
  } finally {
    await runtime.close();
  }
}

await main();
