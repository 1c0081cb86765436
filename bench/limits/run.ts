/**
 * `npm run bench:limits`: Medic's hot paths at this machine's limit, in one run and side by side —
 * the decision endpoint at 200, 500, 1,000 and 2,000 req/s (open-loop arrivals) against
 * PostgreSQL seeded with 1M runs and 100k incidents, ingest beside `COPY` of the same rows, and
 * similar-signature search at 100k and 1M vectors beside exact search. It prints the PostgreSQL
 * settings and the warm-up it assumes first, and ends with one JSON line.
 *
 * Options: `--reseed` rebuilds the seeded databases · `--rates 200,500,1000,2000` · `--seconds 15`
 * per rate · `--only decide,ingest,search`. DATABASE_URL names the PostgreSQL server; the bench
 * uses databases of its own beside it. Timings are printed, never asserted.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { openDatabase, type Pool } from '../../src/db/pool.ts';
import { readSettings } from '../../src/db/pg-settings.ts';
import { loadWorld } from '../decide/inputs.ts';
import { resetDecisions, sampleRows } from '../decide/log-cost.ts';
import { runLoad, waitIdle } from '../decide/phases.ts';
import { printLoad } from '../decide/print.ts';
import { quantiles, table } from '../decide/report.ts';
import { defaultBaseUrl, ensureSeed } from '../decide/seed.ts';
import { startServer } from '../decide/server.ts';
import { sweep } from '../../src/sla/risks.ts';
import { durabilityCost } from './durability.ts';

const { values: opt } = parseArgs({
  options: {
    reseed: { type: 'boolean', default: false },
    rates: { type: 'string', default: '200,500,1000,2000' },
    seconds: { type: 'string', default: '15' },
    only: { type: 'string', default: 'decide,ingest,search' },
  },
});
const only = new Set(opt.only.split(','));
const f = (x: number, d = 1) => (Number.isFinite(x) ? Number(x.toFixed(d)) : null);

async function printSettings(pool: Pool): Promise<void> {
  const v = await pool.query<{ v: string }>('select version() as v');
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`node ${process.version}; ${(v.rows[0]?.v ?? '').split(' on ')[0]}`);
  table('PostgreSQL settings this run had, against what Medic advises (`medic doctor` checks the same)', ['setting', 'value', 'advised', 'ok'],
    (await readSettings(pool)).map((s) => [s.name, s.shown, s.recommended, s.ok ? 'yes' : 'no']));
  console.log('the load generator, the server and PostgreSQL share these cores');
}

/** Waits for the server's background warm-up (`medic_decide_caches_warm`), and says how long it took. */
async function waitWarm(port: number): Promise<number> {
  const t = performance.now();
  for (;;) {
    const body = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
    if (/^medic_decide_caches_warm 1$/m.test(body)) return (performance.now() - t) / 1_000;
    if (performance.now() - t > 300_000) throw new Error('the decision caches did not warm within 5 min');
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface DecideFigures {
  decide: { rps: number; p50_ms: number | null; p99_ms: number | null; safe_default_share: number | null };
  decide_2000: { p99_ms: number | null; safe_default_share: number | null };
}

async function decideBench(): Promise<DecideFigures> {
  const rates = opt.rates.split(',').map(Number).filter((n) => n > 0);
  const info = await ensureSeed(defaultBaseUrl(), { reseed: opt.reseed });
  const db = await openDatabase({ databaseUrl: info.url, dataDir: 'unused', maxConnections: 8 });
  try {
    console.log(`\n== decisions: ${info.url.replace(/\/\/[^@]*@/, '//')} (${info.reused ? 'reused seed' : `seeded in ${info.seconds.toFixed(0)} s`}: ${(info.sizes.runs ?? 0).toLocaleString('en-US')} runs, ${(info.sizes.incidents ?? 0).toLocaleString('en-US')} incidents, ${(info.sizes.signatures ?? 0).toLocaleString('en-US')} signatures)`);
    const removed = await resetDecisions(db.pool);
    await sweep(db.pool, new Date());
    console.log(`reset: ${removed.toLocaleString('en-US')} decisions of earlier runs removed; forecasts swept`);
    const world = await loadWorld(db.pool, info.families);
    const server = await startServer(info.url);
    try {
      const warmS = await waitWarm(server.port);
      console.log(`warm-up assumed: the server fills its caches from the store after it starts (the busiest 20,000 signatures and 5,000 jobs of 30 days: ${warmS.toFixed(0)} s here), then 8 s at 100 req/s and 3 s at each rate before it is measured`);
      const results = await runLoad(db.pool, server, world, { rates, seconds: Number(opt.seconds), repeat: 1, arrivals: 'poisson', cannonSeconds: 0 });
      printLoad(results, { rates, seconds: Number(opt.seconds), repeat: 1, arrivals: 'poisson', cannonSeconds: 0 });
      const w = server.warnings();
      console.log(`server log: ${w.degraded} decisions degraded to the safe default (overload not counted), ${w.notLogged} not logged${w.other.length ? `; other lines:\n  ${w.other.slice(0, 8).join('\n  ')}` : ''}`);
      const figures = (rate: number) => {
        const p = results.phases.find((x) => x.rate === rate);
        if (!p) return { p50: null, p99: null, share: null };
        const [p50, p99] = quantiles(p.samples.map((s) => s.ms), [0.5, 0.99]);
        // A safe default is any answer that is not a decision: degraded (overloaded included), an error or no answer.
        const safe = p.samples.filter((s) => s.status !== 200 || s.degraded !== null).length;
        return { p50: f(p50 ?? NaN, 2), p99: f(p99 ?? NaN, 2), share: f(safe / Math.max(1, p.samples.length), 4) };
      };
      const reasons = new Map<string, number>();
      for (const p of results.phases) for (const s of p.samples) if (s.degraded) reasons.set(`${p.rate}: ${s.degraded.split(' (')[0]}`, (reasons.get(`${p.rate}: ${s.degraded.split(' (')[0]}`) ?? 0) + 1);
      if (reasons.size) table('why answers were the safe default', ['rate: reason', 'answers'], [...reasons.entries()]);
      await waitIdle(db.pool);
      const durable = await durabilityCost(db.pool, await sampleRows(db.pool, 64), [1, 16, 64]);
      table('making an answered decision durable: what a batch waits for (ms), each way, this machine', ['way', 'batch', 'p50', 'p99', 'rows/s'],
        durable.map((d) => [d.way, d.batch, d.p50.toFixed(2), d.p99.toFixed(2), Math.round(d.rowsPerSecond).toLocaleString('en-US')]));
      const at = figures(1_000);
      const over = figures(2_000);
      return { decide: { rps: 1_000, p50_ms: at.p50, p99_ms: at.p99, safe_default_share: at.share }, decide_2000: { p99_ms: over.p99, safe_default_share: over.share } };
    } finally {
      await server.stop();
    }
  } finally {
    await db.close();
  }
}

async function main(): Promise<void> {
  const admin = await openDatabase({ databaseUrl: defaultBaseUrl(), dataDir: 'unused', maxConnections: 2 });
  try {
    await printSettings(admin.pool);
  } finally {
    await admin.close();
  }
  const out: Record<string, unknown> = {};
  if (only.has('decide')) Object.assign(out, await decideBench());
  if (only.has('ingest')) {
    console.log('\n== ingest beside COPY of the same rows');
    const { ingestFigures } = await import('../ingest/figures.ts');
    out.ingest = await ingestFigures(defaultBaseUrl());
  }
  if (only.has('search')) {
    console.log('\n== similar-signature search');
    const { searchFigures } = await import('../signatures/search-limits.ts');
    const s = await searchFigures(defaultBaseUrl(), { reseed: opt.reseed });
    out.search_100k = { recall10: s.n100k.recall10, p50_ms: s.n100k.p50_ms };
    out.search_1m = { recall10: s.n1m.recall10, p50_ms: s.n1m.p50_ms };
  }
  console.log(JSON.stringify(out));
}

await main();
