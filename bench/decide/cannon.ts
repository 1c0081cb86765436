/**
 * The same endpoint under autocannon at a fixed overall rate. autocannon paces per connection and
 * per second: each connection sends its share of the second's requests back to back, then waits
 * for the next second. Arrivals therefore come in bursts at each second's start, and its latency
 * is measured from the actual send (coordinated-omission correction off: autocannon's correction
 * assumes an interval of ⌈1/rate⌉ ms per connection, which is not the pacing it does). Useful as a
 * second opinion and as the requirement's named tool; the open-loop figures are the ones to hold.
 */
import autocannon from 'autocannon';
import { parseServerTiming, readAnswer, type Ask, type InputKind, type Sample } from './sample.ts';

export interface CannonResult {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  rps: number;
  sent: number;
  non2xx: number;
  errors: number;
  /** Server-Timing and decision of every answer (latency here is autocannon's, above). */
  samples: Sample[];
}

/** autocannon at `rate` requests/s overall, or as fast as `connections` allow when `rate` is 0. */
export async function cannon(o: { port: number; rate: number; seconds: number; connections: number; next: () => Ask }): Promise<CannonResult> {
  const samples: Sample[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    autocannon({
      url: `http://127.0.0.1:${o.port}`,
      connections: o.connections,
      ...(o.rate > 0 ? { overallRate: o.rate } : {}),
      duration: o.seconds,
      ...(o.rate > 0 ? { ignoreCoordinatedOmission: true } : {}),
      timeout: 10,
      requests: [{
        method: 'POST', path: '/v1/decide', headers: { 'content-type': 'application/json' },
        setupRequest: (req, context) => {
          const ask = o.next();
          context['kind'] = ask.kind;
          return { ...req, body: ask.body };
        },
        onResponse: (status, body, context, headers) => {
          const kind: InputKind = context['kind'] === 'preflight' ? 'preflight' : 'failure';
          samples.push({ kind, ms: Number.NaN, status, timing: parseServerTiming(headers['server-timing']), ...readAnswer(body) });
        },
      }],
    }, (err, res) => (err ? reject(err) : resolve(res)));
  });
  return {
    p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max,
    rps: result.requests.average, sent: result.requests.sent, non2xx: result.non2xx, errors: result.errors + result.timeouts, samples,
  };
}
