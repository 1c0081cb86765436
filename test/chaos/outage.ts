/**
 * PostgreSQL, or Redis, stopped under steady traffic and started again, Medic left running:
 * while it is down every request is answered at once (503 with Retry-After, or a decision's
 * safe default) — no 500, no request left hanging — and when it is back Medic answers again
 * without being restarted, and work queued after the outage is done.
 */
import type { ChildProcess } from 'node:child_process';
import { canStartCluster, exited, freePort, spawnServe, spawnWorker, startCluster, startRedis, waitFor } from '../support/servers.ts';
import { verdict, type Fault, type FaultReport } from './fault.ts';
import { hammer, tally, type Answer } from './hammer.ts';
import { postgresStore, type ChaosStore } from './stores.ts';

const NAMESPACE = 'chaos_outage';

export const postgresRestart: Fault = {
  name: 'PostgreSQL restarted under load',
  skip: () => (canStartCluster() ? undefined : 'needs root and the PostgreSQL 15 binaries to start a cluster of its own'),
  run: async ({ scale }) => {
    const cluster = await startCluster();
    try {
      const serve = await spawnServe({ DATABASE_URL: cluster.url, REDIS_URL: '', MEDIC_HEAL: 'off' });
      try {
        return await outage('postgres-restart', serve.url, scale, { down: () => cluster.stop('immediate'), up: () => cluster.start() }, () => serve.output());
      } finally {
        serve.kill('SIGTERM');
        await exited(serve);
      }
    } finally {
      cluster.destroy();
    }
  },
};

export const redisRestart: Fault = {
  name: 'Redis restarted empty under load (API and a worker on it)',
  skip: () => (process.env.DATABASE_URL ? undefined : 'needs DATABASE_URL'),
  run: async ({ scale }) => {
    const store = await postgresStore();
    const port = await freePort();
    let redis: ChildProcess = await startRedis(port);
    const env = { ...store.env, REDIS_URL: `redis://127.0.0.1:${port}`, MEDIC_QUEUE_NAME: `chaos-${port}`, MEDIC_HEAL: 'off', MEDIC_HEAL_SWEEP_SECONDS: '0.5' };
    const serve = await spawnServe(env);
    const worker = spawnWorker(env);
    try {
      const report = await outage('redis-restart', serve.url, scale, {
        down: async () => {
          redis.kill('SIGKILL');
          await exited(redis);
        },
        up: async () => {
          redis = await startRedis(port);
        },
      }, () => `${serve.output()}\n${worker.output()}`);
      return await withAnalysisAfter(report, store);
    } finally {
      serve.kill('SIGTERM');
      worker.kill('SIGTERM');
      await Promise.all([exited(serve), exited(worker)]);
      redis.kill('SIGKILL');
      await store.close();
    }
  },
};

/** Every failure stored, during the outage too, is analysed: the worker reconnected by itself, and the sweep queued what the outage lost. */
async function withAnalysisAfter(report: FaultReport, store: ChaosStore): Promise<FaultReport> {
  const count = async () => {
    const [r] = await store.query<{ failed: number; analysed: number }>(
      `select count(*)::int as failed, count(ir.run_id)::int as analysed
         from run_attempts a join runs r on r.id = a.run_id join jobs j on j.id = r.job_id
         left join incident_runs ir on ir.run_id = a.run_id and ir.attempt = a.attempt
        where j.namespace = $1 and a.state = 'failed'`, [NAMESPACE]);
    return r ?? { failed: 0, analysed: 0 };
  };
  const c = await waitFor('every stored failure to be analysed', async () => {
    const x = await count();
    return x.failed > 0 && x.analysed === x.failed ? x : undefined;
  }, 90_000).catch(count);
  const ok = c.failed > 0 && c.analysed === c.failed;
  return {
    ...report, counts: { ...report.counts, failures_stored: c.failed, failures_analysed: c.analysed }, survived: report.survived && ok,
    notes: ok ? report.notes : ['not held: every failure stored, during the outage too, is analysed', ...report.notes],
  };
}

async function outage(fault: string, url: string, scale: number, server: { down: () => Promise<void> | void; up: () => Promise<void> | void }, logs: () => string): Promise<FaultReport> {
  let phase = 'before';
  let stop = false;
  const load = hammer(url, { workers: 4, namespace: NAMESPACE, phase: () => phase, stop: () => stop });
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await pause(1_500);
  phase = 'down';
  await server.down();
  await pause(2_000 * scale);
  phase = 'restarting';
  await server.up();
  // Recovered: the readiness probe says so again, without Medic being restarted.
  await waitFor('Medic to be ready again', async () => ((await fetch(`${url}/readyz`)).ok ? true : undefined), 60_000).catch(() => undefined);
  phase = 'after';
  await pause(2_000);
  stop = true;
  const answers: Answer[] = await load;
  const down = tally(answers, 'down');
  const after = tally(answers, 'after');
  const before = tally(answers, 'before');
  const counts = {
    before_ok: before.ok, before_total: before.total,
    down_total: down.total, down_503: down.unavailable, down_503_retry_after: down.unavailableWithRetryAfter, down_ok: down.ok,
    down_safe_defaults: down.degradedDecisions, down_other_5xx: down.s5xxOther, down_no_answer: down.noAnswer, down_p50_ms: down.p50Ms, down_max_ms: down.maxMs,
    after_total: after.total, after_ok: after.ok, after_failed: after.total - after.ok,
  };
  const bad = answers.filter((a) => a.phase !== 'before' && ((a.status !== null && a.status >= 500 && a.status !== 503) || a.status === null || (a.status === 503 && a.retryAfter === null)));
  return verdict(fault, counts, {
    'everything answered before the outage': before.ok === before.total && before.total > 0,
    'requests were made while it was down': down.total > 0,
    'no 500 and no request left without an answer, while down or restarting': bad.length === 0,
    'every 503 says when to retry': answers.filter((a) => a.status === 503).every((a) => a.retryAfter !== null),
    'every request after the restart succeeds, Medic not restarted': after.total > 0 && after.ok === after.total,
  }, [`bad answers: ${JSON.stringify(bad.slice(0, 8))}`, `while down: ${JSON.stringify(answers.filter((a) => a.phase === 'down').slice(0, 12))}`, `log tail: ${logs().slice(-1500)}`]);
}
