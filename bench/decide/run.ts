/**
 * `npm run bench:decide`: latency of `POST /v1/decide` over loopback HTTP against PostgreSQL seeded
 * with 1M runs and 100k incidents, at 200, 500 and 1,000 requests/s (and 50 and 100 to show the
 * knee); where the time goes (the server's `Server-Timing` split); what the decision log costs to
 * write; and what degrades first.
 *
 * Options: `--reseed` rebuilds the bench database · `--rates 50,100,200,500,1000` · `--seconds 20`
 * per rate · `--repeat 1` runs per rate, the best p99 kept · `--arrivals poisson|uniform` ·
 * `--cannon-seconds 10` (0 skips autocannon) · `--server-bin path/to/bin/medic.js` measures another
 * build against the same seed. DATABASE_URL names the PostgreSQL server (its database is left
 * alone; the bench uses `medic_bench_decide`). Timings are printed, never asserted.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { openDatabase, type Pool } from '../../src/db/pool.ts';
import { loadPolicySet, policyFiles } from '../../src/policies/load.ts';
import { POLICIES_DIR } from '../../src/runtime.ts';
import { createHashingEmbedder } from '../../src/signatures/embedder.ts';
import { sweep } from '../../src/sla/risks.ts';
import { askStream, loadWorld, type World } from './inputs.ts';
import { insertCost, logSize, resetDecisions } from './log-cost.ts';
import { lookupCosts } from './lookups.ts';
import { runLoad, type LoadPlan } from './phases.ts';
import { printLoad, printLogCost } from './print.ts';
import { lookupRows, table } from './report.ts';
import { BENCH_DB, defaultBaseUrl, ensureSeed, type SeedInfo } from './seed.ts';
import { startServer } from './server.ts';

const { values: opt } = parseArgs({
  options: {
    reseed: { type: 'boolean', default: false },
    rates: { type: 'string', default: '50,100,200,500,1000' },
    seconds: { type: 'string', default: '20' },
    repeat: { type: 'string', default: '1' },
    arrivals: { type: 'string', default: 'poisson' },
    'cannon-seconds': { type: 'string', default: '10' },
    'server-bin': { type: 'string' },
  },
});
const plan: LoadPlan = {
  rates: opt.rates.split(',').map(Number).filter((n) => n > 0),
  seconds: Number(opt.seconds),
  repeat: Math.max(1, Number(opt.repeat)),
  arrivals: opt.arrivals === 'uniform' ? 'uniform' : 'poisson',
  cannonSeconds: Number(opt['cannon-seconds']),
};

async function printContext(pool: Pool, info: SeedInfo): Promise<void> {
  const pg = await pool.query<{ v: string; s: string }>(
    `select version() as v, string_agg(name || '=' || setting || coalesce(unit, ''), ' ') as s from pg_settings
     where name in ('shared_buffers', 'synchronous_commit', 'jit', 'work_mem', 'max_connections')`);
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`node ${process.version}; ${(pg.rows[0]?.v ?? '').split(' on ')[0]}; ${pg.rows[0]?.s ?? ''}`);
  console.log('the load generator, the server and PostgreSQL share these cores; other work on the machine shows as "other" CPU');
  console.log(`\nseed: ${BENCH_DB}, ${info.reused ? `reused (seeded ${info.seededAt.toISOString()}; --reseed rebuilds it)` : `built in ${info.seconds.toFixed(0)} s`}`);
  const order = ['jobs', 'runs', 'run_attempts', 'failed attempts', 'signatures', 'incidents', 'incident_runs', 'resolutions', 'services',
    'service_forecasts', 'job_edges', 'dataset_stats', 'decisions', 'database MB'];
  console.log(order.map((k) => `  ${k.padEnd(18)} ${(info.sizes[k] ?? 0).toLocaleString('en-US').padStart(10)}`).join('\n'));
}

/** Each lookup of the gather step timed alone, before any load: which queries cost what. */
async function printLookups(pool: Pool, world: World): Promise<void> {
  const policies = await loadPolicySet(await policyFiles(POLICIES_DIR), createHashingEmbedder(256));
  if (policies.kind !== 'ok') return;
  const lookups = await lookupCosts(pool, policies.set, Array.from({ length: 400 }, askStream(world, 7)));
  table('the lookups of a decision one at a time, no load (ms; "hot" = signature among the 20 most popular, thousands of incidents each)',
    ['lookup', 'n', 'p50', 'p99', 'max', 'hot n', 'hot p50', 'hot p99'], lookupRows(lookups));
}

/** Removes earlier runs' decisions (they would count as storms) and refreshes the forecasts. */
async function prepare(pool: Pool): Promise<void> {
  const removed = await resetDecisions(pool).catch((err: unknown) => {
    console.log(`could not remove earlier bench decisions (${(err as Error).message}): storms of earlier runs may still count`);
    return 0;
  });
  const t = performance.now();
  await sweep(pool, new Date());
  console.log(`\nreset: ${removed.toLocaleString('en-US')} decisions of earlier runs removed; a forecast sweep of the services took ${(performance.now() - t).toFixed(0)} ms (the server repeats it every minute)`);
}

async function main(): Promise<void> {
  console.log(`decision bench: POST /v1/decide over loopback HTTP at ${plan.rates.join(', ')} req/s\n`);
  const info = await ensureSeed(defaultBaseUrl(), { reseed: opt.reseed });
  const db = await openDatabase({ databaseUrl: info.url, dataDir: 'unused', maxConnections: 8 });
  try {
    await printContext(db.pool, info);
    await prepare(db.pool);
    const world = await loadWorld(db.pool, info.families);
    console.log(`inputs: 85 % failures (Zipf over ${world.families.length.toLocaleString('en-US')} seeded families, 8 % CI excerpts, 25 % on service jobs), 15 % preflights over ${world.preflight.length} jobs with inputs`);
    await printLookups(db.pool, world);
    const server = await startServer(info.url, ...(opt['server-bin'] ? [opt['server-bin']] : []));
    console.log(`\nserver: ${opt['server-bin'] ?? 'this checkout'} (medic serve, pid ${server.pid})`);
    const before = await logSize(db.pool);
    const results = await runLoad(db.pool, server, world, plan).finally(() => server.stop());
    const after = await logSize(db.pool);
    printLoad(results, plan);
    const cost = await insertCost(db.pool, 3);
    printLogCost(results, { ...cost, grownRows: after.rows - before.rows, grownBytes: after.bytes - before.bytes });
    const w = server.warnings();
    console.log(`server log: ${w.degraded} decisions degraded to the safe default, ${w.notLogged} not logged${w.other.length > 1 ? `; other lines:\n  ${w.other.slice(0, 5).join('\n  ')}` : ''}`);
  } finally {
    await db.close();
  }
}

await main();
