/**
 * An open-loop load generator: requests are sent on a schedule fixed in advance (Poisson arrivals,
 * or evenly spaced) whatever the server does, and each latency is measured from the *scheduled*
 * send. A slow server therefore cannot slow the arrivals down and hide its own queue (coordinated
 * omission), as a fleet of independent orchestrators would not either.
 */
import http from 'node:http';
import { seeded } from '../../src/demo/random.ts';
import { parseServerTiming, readAnswer, type Ask, type Sample } from './sample.ts';

export interface LoadOptions {
  port: number;
  rate: number;
  seconds: number;
  arrivals: 'poisson' | 'uniform';
  next: () => Ask;
  /** A request still unanswered this long after its scheduled send counts as an error. @defaultValue 5 s */
  timeoutMs?: number;
  seed?: number;
}

export interface LoadResult {
  /** Every request, answered or not (status 0: no answer before the timeout, or a connection error). */
  samples: Sample[];
  sent: number;
  errors: number;
  seconds: number;
  /** How late the generator itself sent each request, in ms: it must stay small for the figures to hold. */
  sendLagMs: number[];
}

/** Drives `POST /v1/decide` at `rate` requests/s for `seconds`, then waits for the stragglers. */
export async function openLoop(o: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2_048, maxFreeSockets: 2_048 });
  const r = seeded(o.seed ?? 1);
  const gap = () => (o.arrivals === 'uniform' ? 1_000 / o.rate : (-Math.log(1 - r.next()) * 1_000) / o.rate);
  const samples: Sample[] = [];
  const sendLagMs: number[] = [];
  let sent = 0;
  let errors = 0;
  let open = 0;
  let drained: (() => void) | undefined;
  const settle = () => {
    open--;
    if (open === 0) drained?.();
  };

  const fire = (ask: Ask, scheduled: number) => {
    sent++;
    open++;
    let finished = false;
    // Each request ends once: answered, failed, or given up on.
    const finish = (sample: Sample | null) => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      // A request given up on stays in the latency figures, at the time it was given up (status 0).
      samples.push(sample ?? { kind: ask.kind, ms: performance.now() - scheduled, status: 0, timing: null, degraded: null, action: null, guardrail: null, known: null });
      if (!sample) errors++;
      settle();
    };
    const req = http.request({
      agent, host: '127.0.0.1', port: o.port, path: '/v1/decide', method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ask.body) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => finish(null));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        finish({ kind: ask.kind, ms: performance.now() - scheduled, status: res.statusCode ?? 0, timing: parseServerTiming(res.headers['server-timing']), ...readAnswer(body) });
      });
    });
    // An orchestrator gives up some time after it asked, however long the request queued on this side.
    const deadline = setTimeout(() => req.destroy(new Error('timed out')), Math.max(0, scheduled + (o.timeoutMs ?? 5_000) - performance.now()));
    req.on('error', () => finish(null));
    req.on('close', () => finish(null)); // closed without an answer (a no-op after `end`)
    req.end(ask.body);
  };

  const started = performance.now();
  const end = started + o.seconds * 1_000;
  let due = started;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (due <= now && due < end) {
        sendLagMs.push(now - due);
        fire(o.next(), due);
        due += gap();
      }
      if (due >= end) resolve();
      else setTimeout(tick, Math.max(0, due - performance.now() - 0.5));
    };
    tick();
  });
  if (open > 0) await new Promise<void>((resolve) => { drained = resolve; });
  agent.destroy();
  return { samples, sent, errors, seconds: (performance.now() - started) / 1_000, sendLagMs };
}
