/**
 * The load phases of the decision bench against a running server: per rate an open-loop phase
 * (the figures to hold) and an autocannon phase, then autocannon without a rate limit for the
 * server's capacity. Between phases the bench waits for the server's backlog to finish, so that
 * one phase's overload does not count against the next.
 */
import type { Pool } from '../../src/db/pool.ts';
import { cannon, type CannonResult } from './cannon.ts';
import { cpuMeter } from './cpu.ts';
import { askStream, type World } from './inputs.ts';
import { openLoop } from './load.ts';
import { quantiles, type Phase } from './report.ts';
import type { Ask } from './sample.ts';
import type { Server } from './server.ts';

export interface LoadPlan {
  rates: number[];
  seconds: number;
  repeat: number;
  arrivals: 'poisson' | 'uniform';
  cannonSeconds: number;
}

export interface LoadResults {
  phases: Phase[];
  cannons: { rate: number; connections: number; r: CannonResult }[];
  capacity: CannonResult | undefined;
}

let streamSeed = 100;

/** Bodies made before the phase, so that building them costs the generator nothing while it runs. */
function asks(world: World, count: number): () => Ask {
  const next = askStream(world, streamSeed++);
  const all = Array.from({ length: count }, next);
  let i = 0;
  return () => all[i++ % all.length] as Ask;
}

/** Waits until no query of the bench database has run for a second; returns how long the server was still busy. */
export async function waitIdle(pool: Pool, maxSeconds = 60): Promise<number> {
  const t = performance.now();
  let busyUntil = t;
  while (performance.now() - busyUntil < 1_000 && performance.now() - t < maxSeconds * 1_000) {
    const r = await pool.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and state = 'active' and pid <> pg_backend_pid()`);
    if ((r.rows[0]?.n ?? 0) > 0) busyUntil = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return (busyUntil - t) / 1_000;
}

const p99 = (p: Phase) => quantiles(p.samples.map((s) => s.ms), [0.99])[0] ?? Infinity;

async function openLoopPhase(pool: Pool, server: Server, world: World, rate: number, plan: LoadPlan): Promise<Phase> {
  let best: Phase | undefined;
  for (let k = 0; k < plan.repeat; k++) {
    await waitIdle(pool);
    await openLoop({ port: server.port, rate, seconds: 3, arrivals: plan.arrivals, next: asks(world, rate * 4), seed: streamSeed++ }); // settle at this rate first
    const next = asks(world, Math.ceil(rate * plan.seconds * 1.3) + 100);
    const meter = cpuMeter(server.pid);
    const r = await openLoop({ port: server.port, rate, seconds: plan.seconds, arrivals: plan.arrivals, next, seed: streamSeed++ });
    const cpu = meter.stop();
    const answered = r.samples.filter((s) => s.status >= 200 && s.status < 300).length;
    const phase: Phase = {
      rate, achieved: answered / r.seconds, sent: r.sent, errors: r.errors, samples: r.samples, sendLagMs: r.sendLagMs, cpu,
      drainSeconds: await waitIdle(pool), of: plan.repeat,
    };
    if (!best || p99(phase) < p99(best)) best = phase;
  }
  if (!best) throw new Error('no phase ran');
  return best;
}

/** Every phase of the plan, in order of rate; progress goes to stdout as it happens. */
export async function runLoad(pool: Pool, server: Server, world: World, plan: LoadPlan): Promise<LoadResults> {
  const out: LoadResults = { phases: [], cannons: [], capacity: undefined };
  await openLoop({ port: server.port, rate: 100, seconds: 8, arrivals: plan.arrivals, next: asks(world, 1_000), seed: streamSeed++ }); // warm-up: JIT, caches, the miner's state
  for (const rate of plan.rates) {
    out.phases.push(await openLoopPhase(pool, server, world, rate, plan));
    console.log(`  ${rate} req/s: open loop done`);
    if (plan.cannonSeconds > 0) {
      await waitIdle(pool);
      const connections = Math.max(10, Math.ceil(rate / 20));
      const next = asks(world, Math.ceil(rate * plan.cannonSeconds * 1.2) + 100);
      out.cannons.push({ rate, connections, r: await cannon({ port: server.port, rate, seconds: plan.cannonSeconds, connections, next }) });
      console.log(`  ${rate} req/s: autocannon done`);
    }
  }
  if (plan.cannonSeconds > 0) {
    await waitIdle(pool);
    out.capacity = await cannon({ port: server.port, rate: 0, seconds: plan.cannonSeconds, connections: 16, next: asks(world, 20_000) });
    console.log('  capacity (autocannon, no rate limit): done');
  }
  await waitIdle(pool);
  return out;
}
