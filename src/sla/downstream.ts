import { deadlineFor } from './deadline.ts';
import { nextUniform } from './generator.ts';
import type { ServiceDefinition } from './schema.ts';

/**
 * What a late service does to the services that consume it. Each downstream service is assumed to
 * start when the service it consumes finishes and to take as long as its own past instances took,
 * so its finish in each sample is the upstream finish plus one of its past makespans.
 */
export interface DownstreamImpact {
  service: string;
  /** The service it consumes, on the way from the forecast one. */
  via: string;
  /** Its deadline for this instance; null when its deadline counts from its own start. */
  deadline: Date | null;
  /** Share of samples in which it misses that deadline; null when Medic cannot tell. */
  pMiss: number | null;
  /** At or over its own alert threshold. */
  atRisk: boolean;
  /** How long it usually takes once this one is done (the median of its past makespans). */
  medianLagMs: number | null;
  /** `history`: forecast from its past makespans; `own-clock`: a duration deadline that lateness upstream does not move; `unknown`: no definition or no history. */
  basis: 'history' | 'own-clock' | 'unknown';
}

/** A downstream service as the forecast needs it: its definition (if applied) and its past makespans. */
export interface DownstreamInput {
  name: string;
  via: string;
  def: ServiceDefinition | undefined;
  makespansMs: number[];
}

/**
 * Follows the downstream services breadth first from the forecast one, carrying its simulated
 * finish times along (`finish`, ms, one per sample); deterministic under `seed`.
 */
export function downstreamImpact(finish: Float64Array, start: Date, chain: DownstreamInput[], seed = 1): DownstreamImpact[] {
  const g = new Int32Array([seed | 0]);
  const finishes = new Map<string, Float64Array | null>();
  const out: DownstreamImpact[] = [];
  for (const d of chain) {
    const upstream = finishes.has(d.via) ? (finishes.get(d.via) ?? null) : finish;
    const lags = d.makespansMs;
    if (!d.def || !upstream || lags.length === 0) {
      finishes.set(d.name, null);
      out.push({ service: d.name, via: d.via, deadline: d.def?.deadline.kind === 'time' ? deadlineFor(d.def.deadline, start) : null, pMiss: null, atRisk: false, medianLagMs: null, basis: 'unknown' });
      continue;
    }
    const medianLagMs = [...lags].sort((a, b) => a - b)[Math.floor(lags.length / 2)] ?? null;
    const own = upstream.map((f) => f + (lags[Math.floor(nextUniform(g) * lags.length)] as number));
    finishes.set(d.name, own);
    if (d.def.deadline.kind === 'duration') {
      out.push({ service: d.name, via: d.via, deadline: null, pMiss: null, atRisk: false, medianLagMs, basis: 'own-clock' });
      continue;
    }
    const deadline = deadlineFor(d.def.deadline, start);
    let late = 0;
    for (const f of own) if (f > deadline.getTime()) late++;
    const pMiss = late / own.length;
    out.push({ service: d.name, via: d.via, deadline, pMiss, atRisk: pMiss >= d.def.alert.breachProbability, medianLagMs, basis: 'history' });
  }
  return out;
}

/** Every service downstream of `name`, breadth first, each once, with the service it is reached through. */
export function downstreamChain(name: string, services: Map<string, ServiceDefinition>): { name: string; via: string }[] {
  const seen = new Set<string>([name]);
  const queue = (services.get(name)?.downstream ?? []).map((d) => ({ name: d, via: name }));
  const out: { name: string; via: string }[] = [];
  while (queue.length) {
    const next = queue.shift() as { name: string; via: string };
    if (seen.has(next.name)) continue;
    seen.add(next.name);
    out.push(next);
    queue.push(...(services.get(next.name)?.downstream ?? []).map((d) => ({ name: d, via: next.name })));
  }
  return out;
}
