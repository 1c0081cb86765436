/**
 * `npm run bench:heal`: the self-healing loop, measured.
 *
 * 1. Loop latency: from a failure event posted to `POST /api/v1/lineage` (loopback HTTP, as
 *    Airflow's OpenLineage provider sends it) to the clear call reaching the fake Airflow, with
 *    `MEDIC_HEAL=on` and an ungated retry policy: ingest → analysis (signature, incident) →
 *    decision (logged) → execution (claimed, observed, sent). p50/p90/p99 over `--failures`
 *    failures sent at `--rate` per second.
 * 2. Executions per second through the queue: `--executions` approved executions queued at once,
 *    carried out by workers of `--concurrency`, each claimed, observed, sent and committed once.
 *
 * Both on PostgreSQL (DATABASE_URL; the bench makes and drops databases of its own) with the
 * in-process queue, and with BullMQ when REDIS_URL is set. Timings are printed, never asserted.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import pg from 'pg';
import { quantile } from 'simple-statistics';
import { loadConfig } from '../../src/config.ts';
import { createFakeAirflow, type FakeAirflow } from '../../src/fakes/airflow.ts';
import { buildHandlers } from '../../src/handlers.ts';
import { buildApp } from '../../src/http/app.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import { seedExecutions } from './seed.ts';

const { values: opt } = parseArgs({
  options: {
    failures: { type: 'string', default: '300' },
    rate: { type: 'string', default: '20' },
    executions: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
  },
});
const FAILURES = Number(opt.failures);
const RATE = Number(opt.rate);
const EXECUTIONS = Number(opt.executions);
const CONCURRENCY = Number(opt.concurrency);
const BASE = process.env.DATABASE_URL;
const REDIS = process.env.REDIS_URL;
const POLICY = `policies:
  - id: bench-retry
    description: Retry a refused connection at once.
    match: { signature: { template: "could not connect" } }
    action: { kind: retry, delay_s: 0, max_attempts: 5 }
`;
const now = () => performance.timeOrigin + performance.now();

/** A runtime as `medic serve` builds it, on a database and a queue of the bench's own. */
async function medic(queue: 'in-process' | 'bullmq', fake: FakeAirflow, concurrency: number): Promise<{ runtime: Runtime; drop: () => Promise<void> }> {
  if (!BASE) throw new Error('bench:heal needs DATABASE_URL');
  const name = `medic_bench_heal_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  const dir = await mkdtemp(join(tmpdir(), 'medic-bench-heal-'));
  await writeFile(join(dir, 'bench.yaml'), POLICY);
  const config = loadConfig({
    DATABASE_URL: url.toString(), MEDIC_POLICIES_DIR: dir, MEDIC_HEAL: 'on', LOG_LEVEL: 'silent', MEDIC_QUEUE_NAME: name,
    MEDIC_QUEUE_CONCURRENCY: String(concurrency), MEDIC_HEAL_SWEEP_SECONDS: '60',
    MEDIC_EXECUTORS: JSON.stringify([{ source: 'airflow-prod', kind: 'airflow', url: fake.url, api: 'v2', auth: { kind: 'password', username: 'admin', password: 'admin' } }]),
    ...(queue === 'bullmq' && REDIS ? { REDIS_URL: REDIS } : {}),
  });
  const runtime = await openRuntime(config);
  return {
    runtime,
    async drop() {
      await runtime.close();
      if (queue === 'bullmq' && REDIS) {
        const q = new Queue(name, { connection: { url: REDIS }, prefix: name });
        await q.obliterate({ force: true }).catch(() => undefined);
        await q.close();
      }
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One failed try as Airflow's OpenLineage provider posts it. */
function failure(i: number, at: Date): unknown[] {
  const run = `bench-${i}`;
  const facets = { parent: { job: { namespace: 'airflow-prod', name: 'bench_dag' }, run: { runId: `dag-${run}` } }, airflow: { dagRun: { dag_id: 'bench_dag', run_id: run }, taskInstance: { try_number: 1 } } };
  const base = { producer: 'https://github.com/apache/airflow/tree/providers-openlineage/2.3.0', job: { namespace: 'airflow-prod', name: `bench_dag.task_${i % 10}` } };
  const message = `psycopg2.OperationalError: could not connect to server: Connection refused\n\tIs the server running on host "10.0.${i % 250}.7" and accepting TCP/IP connections on port 5432?`;
  return [
    { ...base, eventType: 'START', eventTime: new Date(at.getTime() - 60_000).toISOString(), run: { runId: `${run}-1`, facets } },
    { ...base, eventType: 'FAIL', eventTime: at.toISOString(), run: { runId: `${run}-1`, facets: { ...facets, errorMessage: { message, programmingLanguage: 'python' } } } },
  ];
}

const ms = (x: number) => `${x.toFixed(1)} ms`;
const clearsOf = (fake: FakeAirflow) => fake.calls.filter((c) => c.path.endsWith('/clearTaskInstances'));

async function loopLatency(queue: 'in-process' | 'bullmq'): Promise<string[]> {
  const fake = await createFakeAirflow({ api: 'v2' });
  const { runtime, drop } = await medic(queue, fake, 8);
  const { deps } = runtime;
  try {
    deps.queue.startWorkers(buildHandlers(deps), { concurrency: deps.config.queueConcurrency });
    const app = await buildApp(deps);
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const sent = new Map<string, number>();
    const start = now();
    for (let i = 0; i < FAILURES; i++) {
      fake.state.addTaskInstance({ dag_id: 'bench_dag', dag_run_id: `bench-${i}`, task_id: `task_${i % 10}`, state: 'failed', try_number: 1 });
      // Sent at a steady rate, whatever the answers take: arrivals do not wait for Medic.
      const wait = start + i * (1000 / RATE) - now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      sent.set(`bench-${i}`, now());
      const res = await fetch(`${address}/api/v1/lineage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(failure(i, new Date())) });
      if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
    }
    const until = Date.now() + 120_000;
    while (clearsOf(fake).length < FAILURES && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    const latencies = clearsOf(fake).map((c) => c.receivedAt - (sent.get((c.body as { dag_run_id: string }).dag_run_id) ?? c.receivedAt));
    await app.close();
    const q = (p: number) => (latencies.length ? ms(quantile(latencies, p)) : 'n/a');
    return [`PostgreSQL + ${queue}`, `${latencies.length} / ${FAILURES}`, q(0.5), q(0.9), q(0.99), ms(Math.max(0, ...latencies))];
  } finally {
    await drop();
    await fake.close();
  }
}

async function throughput(queue: 'in-process' | 'bullmq'): Promise<string[]> {
  const fake = await createFakeAirflow({ api: 'v2' });
  const { runtime, drop } = await medic(queue, fake, CONCURRENCY);
  const { deps } = runtime;
  try {
    const ids = await seedExecutions(deps.pool, fake, EXECUTIONS);
    const t0 = now();
    for (const id of ids) await deps.queue.enqueue('execute-action', { executionId: id }, { jobId: `execute-action:${id}` });
    const queued = now();
    deps.queue.startWorkers(buildHandlers(deps), { concurrency: CONCURRENCY });
    const until = Date.now() + 300_000;
    let done = 0;
    while (done < EXECUTIONS && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      done = (await deps.pool.query<{ n: number }>(`select count(*)::int as n from executions where state = 'executed'`)).rows[0]?.n ?? 0;
    }
    const seconds = (now() - t0) / 1000;
    const once = clearsOf(fake).length === EXECUTIONS ? 'yes' : `no: ${clearsOf(fake).length} calls`;
    return [`PostgreSQL + ${queue}`, String(CONCURRENCY), `${done} / ${EXECUTIONS}`, `${(done / seconds).toFixed(0)}/s`, `${((queued - t0) / 1000).toFixed(1)} s`, once];
  } finally {
    await drop();
    await fake.close();
  }
}

function print(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log([line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
}

const queues: ('in-process' | 'bullmq')[] = REDIS ? ['in-process', 'bullmq'] : ['in-process'];
console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB; node ${process.version}; Medic, PostgreSQL, Redis and the fake Airflow share these cores`);
console.log(`\nloop latency: failure event posted over HTTP → the clear reaching the fake Airflow (MEDIC_HEAL=on, ungated retry), ${FAILURES} failures at ${RATE}/s`);
const latency: string[][] = [];
for (const q of queues) latency.push(await loopLatency(q));
print(['store + queue', 'executed', 'p50', 'p90', 'p99', 'max'], latency);
console.log(`\nexecutions per second: ${EXECUTIONS} approved executions queued at once, each claimed, observed, sent and committed once`);
const rates: string[][] = [];
for (const q of queues) rates.push(await throughput(q));
print(['store + queue', 'concurrency', 'executed', 'rate', 'enqueue time', 'one call each'], rates);
