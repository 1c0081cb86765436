/**
 * The console's pages over PostgreSQL seeded with 1M runs and 100k incidents (the decision
 * bench's seed, plus 5,000 approvals with votes and executions): `medic serve` as deployed, each
 * page's HTML fetched over loopback after a warm-up, p50/p95/max; then the first contentful paint
 * of the "now" and approval pages in Debian's Chromium. Target: every page ≤ 100 ms p95, paint ≤ 1 s.
 * `npm run bench:console [-- --requests 60 --reseed]`; the last line is JSON.
 */
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { openDatabase, type Pool } from '../../src/db/pool.ts';
import { sweep } from '../../src/sla/risks.ts';
import { startServer } from '../decide/server.ts';
import { defaultBaseUrl, ensureSeed } from '../decide/seed.ts';
import { seedConsole } from './seed.ts';

const { values: opt } = parseArgs({ options: { requests: { type: 'string', default: '60' }, reseed: { type: 'boolean', default: false }, chromium: { type: 'string', default: process.env.MEDIC_CHROMIUM ?? '/usr/bin/chromium' } } });
const REQUESTS = Number(opt.requests);
const TARGET_MS = 100;
const PAINT_TARGET_MS = 1_000;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};

/** The ids the pages are about: the busiest ones, where a slow query would show. */
async function subjects(pool: Pool): Promise<Record<string, string>> {
  const one = async (sql: string) => String(Object.values((await pool.query(sql)).rows[0] ?? { x: '' })[0]);
  return {
    approval: await one(`select id from approvals where status = 'pending' order by created_at limit 1`),
    incident: await one(`select i.id from incidents i join signatures s on s.id = i.signature_id order by s.occurrences desc, i.id desc limit 1`),
    decision: await one(`select id from decisions order by created_at desc limit 1`),
    service: await one(`select service from service_forecasts order by p_breach desc limit 1`),
  };
}

async function main(): Promise<void> {
  const info = await ensureSeed(defaultBaseUrl(), { reseed: opt.reseed });
  const db = await openDatabase({ databaseUrl: info.url, dataDir: 'unused', maxConnections: 4 });
  let pages: [string, string][];
  try {
    const added = await seedConsole(db.pool);
    await sweep(db.pool, new Date());
    const sizes = (await db.pool.query<{ runs: number; incidents: number; approvals: number; decisions: number }>(
      `select (select count(*) from runs)::int as runs, (select count(*) from incidents)::int as incidents,
              (select count(*) from approvals)::int as approvals, (select count(*) from decisions)::int as decisions`)).rows[0];
    console.log(`console bench: ${JSON.stringify(sizes)} in ${info.url.replace(/\/\/[^@]*@/, '//')} (console rows ${added.added ? 'added now' : 'already there'})`);
    const s = await subjects(db.pool);
    pages = [
      ['now', '/'], ['approvals', '/approvals'], ['approval', `/approvals/${s.approval}`], ['incidents', '/incidents'],
      ['incident', `/incidents/${s.incident}`], ['sla board', '/sla'], ['service', `/services/${encodeURIComponent(s.service ?? '')}`],
      ['decisions', '/decisions'], ['decision', `/decisions/${s.decision}`], ['audit', `/audit?incident=${s.incident}`], ['policies', '/policies'],
    ];
  } finally {
    await db.close();
  }

  const server = await startServer(info.url);
  const base = `http://127.0.0.1:${server.port}`;
  const results: Record<string, { p50: number; p95: number; max: number; bytes: number; status: number }> = {};
  let fcp: Record<string, number> = {};
  try {
    // A loopback server without tokens signs its local user in on the first page.
    const first = await fetch(`${base}/`, { redirect: 'manual' });
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    for (const [name, path] of pages) {
      const get = async () => {
        const t = performance.now();
        const res = await fetch(`${base}${path}`, { headers: { cookie }, redirect: 'manual' });
        const body = await res.arrayBuffer();
        return { ms: performance.now() - t, status: res.status, bytes: body.byteLength };
      };
      for (let i = 0; i < 5; i++) await get();
      const runs = [];
      for (let i = 0; i < REQUESTS; i++) runs.push(await get());
      const ms = runs.map((r) => r.ms);
      results[name] = { p50: quantile(ms, 0.5), p95: quantile(ms, 0.95), max: Math.max(...ms), bytes: runs[0]?.bytes ?? 0, status: runs[0]?.status ?? 0 };
    }
    fcp = await paints(base, cookie, [['now', '/'], ['approval', pages[2]?.[1] ?? '/']]);
  } finally {
    await server.stop();
  }

  console.log(`\nHTML of each page, ${REQUESTS} requests after 5 to warm up, one at a time over loopback (ms)\n`);
  console.log(`${'page'.padEnd(12)} ${'path'.padEnd(30)} status ${'p50'.padStart(7)} ${'p95'.padStart(7)} ${'max'.padStart(7)}  size`);
  for (const [name, path] of pages) {
    const r = results[name];
    if (!r) continue;
    console.log(`${name.padEnd(12)} ${path.slice(0, 30).padEnd(30)} ${String(r.status).padStart(6)} ${r.p50.toFixed(1).padStart(7)} ${r.p95.toFixed(1).padStart(7)} ${r.max.toFixed(1).padStart(7)}  ${(r.bytes / 1024).toFixed(1)} KiB`);
  }
  const worst = Math.max(...Object.values(results).map((r) => r.p95));
  console.log(`\nworst p95 ${worst.toFixed(1)} ms (target ≤ ${TARGET_MS} ms: ${worst <= TARGET_MS ? 'met' : 'NOT met'})`);
  for (const [name, ms] of Object.entries(fcp)) console.log(`first contentful paint, ${name}: median ${ms.toFixed(0)} ms of 5 loads (target ≤ ${PAINT_TARGET_MS} ms: ${ms <= PAINT_TARGET_MS ? 'met' : 'NOT met'})`);
  const round = (x: number) => Math.round(x * 10) / 10;
  console.log(JSON.stringify({ worst_p95_ms: round(worst), pages: Object.fromEntries(Object.entries(results).map(([k, r]) => [k, { p50_ms: round(r.p50), p95_ms: round(r.p95), status: r.status }])), first_contentful_paint_ms: fcp }));
}

/** Median first contentful paint of each page over 5 fresh loads in Chromium, or nothing without a browser. */
async function paints(base: string, cookie: string, pages: [string, string][]): Promise<Record<string, number>> {
  const browser = await chromium.launch({ executablePath: opt.chromium, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'] })
    .catch((err: unknown) => {
      console.log(`no first-paint figures: Chromium did not start (${(err as Error).message.split('\n')[0]})`);
      return undefined;
    });
  if (!browser) return {};
  const out: Record<string, number> = {};
  try {
    const [name, value] = cookie.split('=');
    for (const [label, path] of pages) {
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) {
        const context = await browser.newContext();
        await context.addCookies([{ name: name ?? '', value: value ?? '', url: base }]);
        const page = await context.newPage();
        await page.goto(`${base}${path}`, { waitUntil: 'load' });
        const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1);
        if (fcp >= 0) samples.push(fcp);
        await context.close();
      }
      out[label] = quantile(samples, 0.5);
    }
  } finally {
    await browser.close();
  }
  return out;
}

await main();
