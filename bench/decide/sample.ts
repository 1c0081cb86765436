/**
 * One answer of `POST /v1/decide` as the bench records it: latency on the client, the server's own
 * `Server-Timing` split, and what was decided. The body is searched rather than parsed: the load
 * generator shares two cores with the server and should spend as little as it can.
 */

/** What was asked. */
export type InputKind = 'failure' | 'preflight';

/** A request body and its kind. */
export interface Ask {
  kind: InputKind;
  body: string;
}

export interface Timing {
  gather: number;
  evaluate: number;
  log: number;
}

export interface Sample {
  kind: InputKind;
  /** From the scheduled send (open loop) or the actual send (autocannon) to the last byte. */
  ms: number;
  status: number;
  timing: Timing | null;
  /** Why Medic answered its safe default; null when it decided. */
  degraded: string | null;
  action: string | null;
  guardrail: string | null;
  /** Whether the failure's signature was already stored (failures only). */
  known: boolean | null;
}

/** `gather;dur=1.20, evaluate;dur=0.05, log;dur=2.31` → the three durations in ms. */
export function parseServerTiming(header: string | string[] | undefined): Timing | null {
  const text = Array.isArray(header) ? header.join(', ') : header;
  if (!text) return null;
  const t: Timing = { gather: 0, evaluate: 0, log: 0 };
  for (const m of text.matchAll(/(gather|evaluate|log);dur=([\d.]+)/g)) t[m[1] as keyof Timing] = Number(m[2]);
  return t;
}

/** Reads the decision out of the answer body without building the object. */
export function readAnswer(body: string): Pick<Sample, 'degraded' | 'action' | 'guardrail' | 'known'> {
  const action = /"result":\{"action":"(\w+)"/.exec(body)?.[1] ?? null;
  // `degraded` is the last field of the result; strings inside the evidence cannot end a key this way.
  const at = body.lastIndexOf('"degraded":');
  const degraded = at < 0 || body.startsWith('null', at + 11) ? null : /^"degraded":\{"reason":"((?:[^"\\]|\\.)*)"/.exec(body.slice(at))?.[1] ?? 'unknown';
  const guardrail = /"guardrail":\{"kind":"(\w+)"/.exec(body)?.[1] ?? null;
  const known = /"known":(true|false)/.exec(body)?.[1];
  return { action, degraded, guardrail, known: known === undefined ? null : known === 'true' };
}
