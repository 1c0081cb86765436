/** The decision bench's tables: latency per rate, where the time went, what was decided. */
import type { CpuUse } from './cpu.ts';
import type { Sample } from './sample.ts';

/** Quantiles (nearest rank) of `values`, sorted once. */
export function quantiles(values: number[], ps: number[]): number[] {
  if (values.length === 0) return ps.map(() => Number.NaN);
  const sorted = Float64Array.from(values).sort();
  return ps.map((p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN);
}

export interface Phase {
  rate: number;
  achieved: number;
  sent: number;
  errors: number;
  samples: Sample[];
  sendLagMs: number[];
  cpu: CpuUse | null;
  /** How long the server took, after the phase, to finish the work it had been given. */
  drainSeconds: number;
  /** Of how many repetitions this is the best (lowest p99). */
  of: number;
}

const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const pad = (cells: (string | number)[], widths: number[]) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i] ?? 8) : String(c).padStart(widths[i] ?? 8))).join(' ');

export function table(title: string, header: string[], rows: (string | number)[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  console.log(`\n${title}`);
  console.log(pad(header, widths));
  for (const r of rows) console.log(pad(r, widths));
}

const ok = (s: Sample) => s.status >= 200 && s.status < 300;

export function latencyRows(phases: Phase[]): (string | number)[][] {
  return phases.map((p) => {
    const [p50, p90, p99, max] = quantiles(p.samples.map((s) => s.ms), [0.5, 0.9, 0.99, 1]);
    const [lag99] = quantiles(p.sendLagMs, [0.99]);
    const c = p.cpu;
    return [p.rate, f(p.achieved, 0), f(p50 ?? NaN, 2), f(p90 ?? NaN, 2), f(p99 ?? NaN, 2), f(max ?? NaN, 1),
      p.samples.filter((s) => s.status === 0).length, p.samples.filter((s) => s.status !== 0 && !ok(s)).length,
      p.samples.filter((s) => s.degraded !== null).length, f(lag99 ?? NaN, 2), f(p.drainSeconds, 1),
      c ? `${f(c.server, 2)} / ${f(c.postgres, 2)} / ${f(c.loadgen, 2)} / ${f(c.other, 2)}` : 'n/a', p.of > 1 ? `best of ${p.of}` : ''];
  });
}

/** p50 / p99 of each Server-Timing part, and of what is outside them (HTTP, JSON, validation, event-loop queue). */
export function timingRows(phases: { rate: number; samples: Sample[] }[], withOutside: boolean): (string | number)[][] {
  return phases.map((p) => {
    const timed = p.samples.filter((s) => s.timing !== null);
    const part = (g: (s: Sample) => number) => {
      const [a, b] = quantiles(timed.map(g), [0.5, 0.99]);
      return `${f(a ?? NaN, 2)} / ${f(b ?? NaN, 2)}`;
    };
    const server = (s: Sample) => (s.timing ? s.timing.gather + s.timing.evaluate + s.timing.log : 0);
    return [p.rate, part((s) => s.timing?.gather ?? 0), part((s) => s.timing?.evaluate ?? 0), part((s) => s.timing?.log ?? 0), part(server),
      withOutside ? part((s) => s.ms - server(s)) : 'n/a'];
  });
}

const share = (n: number, of: number) => (of ? `${Math.round((n / of) * 100)} %` : '–');

export function decisionRows(phases: { rate: number; samples: Sample[] }[]): (string | number)[][] {
  return phases.map((p) => {
    const failures = p.samples.filter((s) => s.kind === 'failure' && ok(s) && s.degraded === null);
    const count = (pred: (s: Sample) => boolean) => p.samples.filter(pred).length;
    const actions = new Map<string, number>();
    for (const s of p.samples) if (s.action) actions.set(s.action, (actions.get(s.action) ?? 0) + 1);
    const top = [...actions.entries()].sort((a, b) => b[1] - a[1]).map(([a, n]) => `${a} ${share(n, p.samples.length)}`).join(', ');
    const [f99] = quantiles(p.samples.filter((s) => s.kind === 'failure').map((s) => s.ms), [0.99]);
    const [p99] = quantiles(p.samples.filter((s) => s.kind === 'preflight').map((s) => s.ms), [0.99]);
    return [p.rate, share(failures.filter((s) => s.known === true).length, failures.length),
      count((s) => s.guardrail === 'breaker'), count((s) => s.guardrail === 'budget'), count((s) => s.guardrail === 'sla'),
      f(f99 ?? NaN, 2), f(p99 ?? NaN, 2), top];
  });
}

/** Share of a phase's requests that got no decision: timed out, failed, or answered the safe default. */
export function undecided(p: Phase): number {
  const bad = p.samples.filter((s) => !ok(s) || s.degraded !== null).length;
  return p.samples.length ? bad / p.samples.length : 1;
}

const PARTS: [string, (s: Sample) => number][] = [
  ['gather (store lookups)', (s) => s.timing?.gather ?? 0], ['evaluate (policies)', (s) => s.timing?.evaluate ?? 0],
  ['log (decision write)', (s) => s.timing?.log ?? 0],
  ['outside the handler (HTTP, JSON, event-loop queue)', (s) => s.ms - (s.timing ? s.timing.gather + s.timing.evaluate + s.timing.log : 0)],
];
const partAt = (p: Phase, g: (s: Sample) => number, q: number) => quantiles(p.samples.filter((s) => s.timing).map(g), [q])[0] ?? NaN;

/**
 * What degrades first: the highest rate still served (under 1 % undecided), the first that is not,
 * and how the p99 of each part of a decision grew between the two, largest first. When even the
 * lowest rate is over capacity, where the answered requests spent their time at that rate.
 */
export function firstToDegrade(phases: Phase[], capacity: number | null): string {
  const lines: string[] = [];
  if (capacity !== null) lines.push(`capacity: about ${Math.round(capacity)} decisions/s (autocannon, 16 connections, no rate limit)`);
  const last = phases.filter((p) => undecided(p) < 0.01).at(-1);
  const broken = phases.find((p) => undecided(p) >= 0.01);
  if (last) lines.push(`served without degrading up to ${last.rate} req/s (p99 ${f(quantiles(last.samples.map((s) => s.ms), [0.99])[0] ?? NaN, 2)} ms)`);
  if (broken) {
    lines.push(`at ${broken.rate} req/s ${Math.round(undecided(broken) * 100)} % got no decision (${broken.samples.filter((s) => s.status === 0).length} timed out, `
      + `${broken.samples.filter((s) => s.degraded !== null).length} safe defaults), ${f(broken.achieved, 0)} answered/s, and the server was still busy ${f(broken.drainSeconds, 0)} s after the load stopped`);
  }
  const from = last ?? broken;
  if (!from || !broken) return lines.join('\n  ');
  if (from === broken) {
    lines.push(`answered requests at ${broken.rate} req/s spent (p50 / p99 ms):`);
    for (const [name, g] of PARTS) lines.push(`  ${name}: ${f(partAt(broken, g, 0.5), 2)} / ${f(partAt(broken, g, 0.99), 2)}`);
    lines.push('(lower rates, e.g. --rates 25,50,100, find the knee)');
    return lines.join('\n  ');
  }
  const growth = PARTS.map(([name, g]) => ({ name, a: partAt(from, g, 0.99), b: partAt(broken, g, 0.99) })).sort((x, y) => (y.b - y.a) - (x.b - x.a));
  lines.push(`p99 of each part, ${from.rate} → ${broken.rate} req/s (answered requests), largest growth first:`);
  for (const g of growth) lines.push(`  ${g.name}: ${f(g.a, 2)} → ${f(g.b, 2)} ms`);
  return lines.join('\n  ');
}

/** One line per lookup: all inputs, then those whose signature is among the most popular. */
export function lookupRows(times: Map<string, { all: number[]; hot: number[] }>): (string | number)[][] {
  return [...times.entries()].map(([name, t]) => {
    const [a50, a99, amax] = quantiles(t.all, [0.5, 0.99, 1]);
    const [h50, h99] = quantiles(t.hot, [0.5, 0.99]);
    return [name, t.all.length, f(a50 ?? NaN, 2), f(a99 ?? NaN, 2), f(amax ?? NaN, 1), t.hot.length, f(h50 ?? NaN, 2), f(h99 ?? NaN, 2)];
  });
}
