/** The eval's tables: Medic beside the two baselines, by kind of problem, by variant and by world. */
import { PROBLEM_KINDS } from './cases.ts';
import { baseline, isProblem, rate, tally, type CaseResult, type Pick, type Tally } from './score.ts';

type Picker = (c: CaseResult) => Pick | null;

export interface Pickers {
  /** The headline: leave-one-world-out when it ran, else the API's defaults. */
  headline: Picker;
  defaults: Picker;
}

const first: Picker = (c) => baseline(c.firstFailed);
const latest: Picker = (c) => baseline(c.latestFailed);
const pct = (n: number, of: number) => (of === 0 ? '    –' : `${(100 * rate(n, of)).toFixed(0).padStart(4)}%`);
const pad = (s: string | number, n: number) => String(s).padEnd(n);

/** One row: problem days scored top-1/top-3, clean days by how often an origin was named. */
function row(label: string, cases: CaseResult[], p: Pickers, width: number): string {
  const [h, d, f, l] = [p.headline, p.defaults, first, latest].map((k) => tally(cases, k)) as [Tally, Tally, Tally, Tally];
  if (h.problems === 0) {
    return `${pad(label, width)} ${String(h.clean).padStart(5)}   false origin ${pct(h.falseOrigins, h.clean)} (defaults ${pct(d.falseOrigins, d.clean)}); a baseline answers on ${pct(f.falseOrigins, f.clean)}`;
  }
  return `${pad(label, width)} ${String(h.problems).padStart(5)}  ${pct(h.top1, h.problems)}  ${pct(h.top3, h.problems)}   ${pct(d.top1, d.problems)}  ${pct(d.top3, d.problems)}   ${pct(f.top1, f.problems)}  ${pct(l.top1, l.problems)}`;
}

function header(label: string, width: number): string {
  return `${pad(label, width)} cases  top-1  top-3  def-1  def-3  first  latest\n${'-'.repeat(width + 52)}`;
}

export function printByKind(cases: CaseResult[], p: Pickers): void {
  const width = 46;
  console.log(header('kind', width));
  for (const kind of PROBLEM_KINDS) {
    const of = cases.filter((c) => c.kind === kind);
    if (of.length === 0) continue;
    console.log(row(kind, of, p, width));
    for (const variant of [...new Set(of.map((c) => c.variant))].sort()) console.log(row(`  ${variant}`, of.filter((c) => c.variant === variant), p, width));
  }
  console.log(row('all problem days', cases.filter(isProblem), p, width));
  console.log(row('clean days', cases.filter((c) => !isProblem(c)), p, width));
}

export function printByWorld(cases: CaseResult[], p: Pickers, about: Map<string, string>): void {
  const width = 20;
  console.log(header('world', width));
  for (const world of [...new Set(cases.map((c) => c.world))]) {
    const of = cases.filter((c) => c.world === world);
    const clean = tally(of.filter((c) => !isProblem(c)), p.headline);
    console.log(`${row(world, of.filter(isProblem), p, width)}   clean ${clean.falseOrigins}/${clean.clean} false   ${about.get(world) ?? ''}`);
  }
}

/** The cases Medic got wrong, for reading (at most `limit`). */
export function printMisses(cases: CaseResult[], p: Picker, limit: number): void {
  const missed = cases.filter((c) => {
    const a = p(c);
    return isProblem(c) ? !(a?.origin != null && c.truth.includes(a.origin)) : a?.origin != null;
  });
  console.log(`\n${missed.length} answers differ from the truth${missed.length > limit ? ` (first ${limit})` : ''}:`);
  for (const c of missed.slice(0, limit)) {
    const a = p(c);
    const why = a?.anomalies?.length ? ` (${a.anomalies.join(', ')})` : '';
    console.log(`  ${c.world} day ${c.day} ${c.kind} (${c.variant}): truth ${c.truth.join(' + ') || 'none'}; named ${a?.origin ?? 'none'}${why}; ranked ${a?.ranked.slice(0, 3).join(', ') || '–'}`);
  }
  const claimed = new Map<string, number>();
  for (const c of missed) for (const k of p(c)?.anomalies ?? []) claimed.set(k, (claimed.get(k) ?? 0) + 1);
  if (claimed.size > 0) console.log(`  what the wrongly named origins did: ${[...claimed].sort((x, y) => y[1] - x[1]).map(([k, n]) => `${k} ${n}`).join(', ')}`);
}
