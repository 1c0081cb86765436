/**
 * `medic sync` end to end: 90 days of a 200-DAG Airflow (≈ 1M task instances, each retried
 * task's earlier tries fetched one call each, as Airflow has no batch tries endpoint) from its
 * double over loopback HTTP into a fresh PostgreSQL database, through the same puller, engine and
 * ingest as the command (the double in a process of its own, as Airflow would be). Prints task instances per second end to end and where the time went:
 * HTTP (until each answer's body is in), parsing and waiting on the source's limits, and storing.
 * Fetching and storing overlap (the next page is fetched while one is stored), so the three add
 * up to more than the wall time. `npm run bench:sync [-- --scale 0.1 --page 100 --rate 2000
 * --concurrency 8 --retry-share 0.05]`. Needs DATABASE_URL (PostgreSQL).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/pool.ts';
import { createMetrics } from '../../src/http/metrics.ts';
import { createInProcessQueue } from '../../src/queue/in-process.ts';
import { defaultHttpDeps, type HttpDeps } from '../../src/remediation/http.ts';
import { MIGRATIONS_DIR } from '../../src/runtime.ts';
import { pullerFor } from '../../src/sources/pullers.ts';
import { createSources } from '../../src/sources/registry.ts';
import { runSync } from '../../src/sources/run.ts';
import { freshServerDatabase } from '../ingest/measure.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

/** Fetch, timed until the whole body has arrived. */
function timedHttp(spent: { httpMs: number; calls: number }): HttpDeps {
  const base = defaultHttpDeps();
  return {
    ...base,
    fetch: async (input, init) => {
      const t = performance.now();
      const res = await base.fetch(input, init);
      const body = await res.arrayBuffer();
      spent.httpMs += performance.now() - t;
      spent.calls += 1;
      return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    },
  };
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('bench:sync needs DATABASE_URL (a PostgreSQL server with pgvector)');
  const scale = arg('scale', 1);
  const history = { dags: Math.max(1, Math.round(200 * scale)), days: 90, tasksPerDag: 56, retryShare: arg('retry-share', 0.05), failShare: 0.02, seed: 1 };
  const pull = { since: '91d', page_size: arg('page', 100), rate_per_s: arg('rate', 2_000), concurrency: arg('concurrency', 8) };
  const fake = await startFake({ history, maxPageLimit: pull.page_size, password: 'bench' });
  const fresh = await freshServerDatabase(url);
  const db = await openDatabase({ databaseUrl: fresh.url, dataDir: 'unused' });
  try {
    await migrate(db.pool, await readMigrations(MIGRATIONS_DIR));
    const config = loadConfig({
      DATABASE_URL: fresh.url, LOG_LEVEL: 'warn', MEDIC_HEAL: 'off', AF_PASSWORD: 'bench',
      MEDIC_SOURCES: JSON.stringify([{ source: 'airflow-bench', kind: 'airflow', url: fake.url, api: 'v2', auth: { kind: 'password', username: 'admin', password: { env: 'AF_PASSWORD' } }, pull }]),
    });
    const spent = { httpMs: 0, calls: 0 };
    const sources = createSources(config.sources, timedHttp(spent), pullerFor);
    // Failures are queued for analysis as `medic sync` queues them; analysing them is not part of the pull.
    const queue = createInProcessQueue();
    const deps = { pool: db.pool, queue, clock: () => new Date(), log: pino({ level: 'warn' }), metrics: createMetrics(), config };
    const { size } = fake;
    console.log(`sync bench: fake Airflow 3 (/api/v2) with ${history.dags} DAGs × ${history.days} days × ${history.tasksPerDag} tasks = ${size.taskInstances.toLocaleString('en-US')} task instances and ${size.dagRuns.toLocaleString('en-US')} DAG runs (${history.retryShare * 100} % retried), pages of ${pull.page_size}, ≤ ${pull.rate_per_s} calls/s, ${pull.concurrency} in flight, into PostgreSQL\n`);
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    let lastPrint = started;
    const outcome = await runSync(deps, sources.list[0]!, {
      owner: 'bench',
      onProgress: (p) => {
        if (performance.now() - lastPrint < 10_000) return;
        lastPrint = performance.now();
        console.log(`  ${p.items.toLocaleString('en-US')} items${p.total ? ` of ~${p.total.toLocaleString('en-US')}` : ''}, ${Math.round(p.items / ((lastPrint - started) / 1000)).toLocaleString('en-US')}/s`);
      },
    });
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpu0);
    if (outcome.kind !== 'done') throw new Error(`the sync ended ${outcome.kind}: ${JSON.stringify(outcome)}`);
    const stored = (await db.pool.query<{ runs: number; attempts: number }>('select (select count(*) from runs)::int as runs, (select count(*) from run_attempts)::int as attempts')).rows[0];
    const perSecond = size.taskInstances / (wallMs / 1000);
    const pct = (ms: number) => `${Math.round((ms / wallMs) * 100)} %`;
    const otherMs = Math.max(0, wallMs - outcome.storeMs);
    console.log(`\n  wall time                 ${(wallMs / 1000).toFixed(1)} s`);
    console.log(`  task instances/s          ${Math.round(perSecond).toLocaleString('en-US')} end to end (target ≥ 5,000)`);
    console.log(`  payloads pulled           ${outcome.items.toLocaleString('en-US')} in ${outcome.pages.toLocaleString('en-US')} pages, ${spent.calls.toLocaleString('en-US')} HTTP calls`);
    console.log(`  stored                    ${stored?.runs.toLocaleString('en-US')} runs (expected ${(size.taskInstances + size.dagRuns).toLocaleString('en-US')}), ${stored?.attempts.toLocaleString('en-US')} attempts`);
    console.log(`  time in HTTP              ${(spent.httpMs / 1000).toFixed(1)} s summed over calls in flight (${pct(spent.httpMs / pull.concurrency)} of wall per slot)`);
    console.log(`  time storing              ${(outcome.storeMs / 1000).toFixed(1)} s (${pct(outcome.storeMs)} of wall)`);
    console.log(`  waiting on the source     ${(otherMs / 1000).toFixed(1)} s (${pct(otherMs)} of wall: pages not yet fetched and parsed when the last was stored)`);
    console.log(`  Medic's CPU               ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (puller, parse, ingest; the fake Airflow runs in a process of its own)`);
    console.log(JSON.stringify({ sync: { task_instances: size.taskInstances, task_instances_per_s: Math.round(perSecond), wall_s: Math.round(wallMs / 100) / 10, http_calls: spent.calls, store_share: Math.round((outcome.storeMs / wallMs) * 1000) / 1000, http_s: Math.round(spent.httpMs / 100) / 10 } }));
    await queue.close();
  } finally {
    await db.close();
    await fresh.drop();
    fake.close();
  }
}

/** Starts the fake Airflow in its own process (bench/sync/fake-airflow.ts). */
async function startFake(options: unknown): Promise<{ url: string; size: { dagRuns: number; taskInstances: number }; close: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fake-airflow.ts', import.meta.url)), JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (b: Buffer) => {
      text += b.toString();
      if (text.includes('\n')) resolve(text.split('\n')[0] ?? '');
    });
    child.once('exit', (code) => reject(new Error(`the fake Airflow exited (${code})`)));
  });
  const { url, size } = JSON.parse(line) as { url: string; size: { dagRuns: number; taskInstances: number } };
  return { url, size, close: () => child.stdin.end() };
}

await main();
