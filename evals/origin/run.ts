/**
 * Where problems began, on generated histories of daily services whose DAGs and run times come
 * from real workflow executions (wfcommons/WfInstances, LGPL-3.0), each spread over Airflow
 * (OpenLineage), Argo, Control-M and the generic format and posted through the real ingest
 * paths. Evaluation days carry injected root causes — an upstream failure, a slow job on the
 * critical path, a partial extract, a consumer on a clock that raced its input, two at once —
 * or none; Medic's origin (its options chosen leave one world out) is scored beside the first and
 * the latest failed job. `npm run eval:origin [-- --quick] [--seed N] [--misses N]`; the last line is JSON.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { calibrate } from './calibrate.ts';
import type { CaseKind } from './cases.ts';
import { printWorld, replay } from './replay.ts';
import { leaveOneWorldOut, describe } from './loo.ts';
import { openMedic } from './medic.ts';
import { planWorld } from './plan.ts';
import { printByKind, printByWorld, printMisses, type Pickers } from './report.ts';
import { isProblem, rate, tally, type CaseResult } from './score.ts';
import { buildWorld, type WorldSource } from './world.ts';

const DATA = fileURLToPath(new URL('../../../shared/data/workflow-runs', import.meta.url));
const nextflow = (name: string) => [join(DATA, 'nextflow', `${name}-dirt02-001.json`)];
const makeflow = (app: string, size: string) => readdirSync(join(DATA, 'makeflow', app)).filter((f) => f.startsWith(`${app}-chameleon-${size}-`)).sort().map((f) => join(DATA, 'makeflow', app, f));

/** One world per workflow family; the quick run keeps the first three. */
const SOURCES: WorldSource[] = [
  { name: 'bacass', files: nextflow('bacass'), makespanMin: 150 },
  { name: 'blast', files: makeflow('blast', 'small'), makespanMin: 100 },
  { name: 'hic', files: nextflow('hic'), makespanMin: 240 },
  { name: 'sarek', files: nextflow('sarek'), makespanMin: 200 },
  { name: 'bwa', files: makeflow('bwa', 'small'), makespanMin: 130 },
  { name: 'methylseq', files: nextflow('methylseq'), makespanMin: 180 },
  { name: 'scrnaseq', files: nextflow('scrnaseq'), makespanMin: 120 },
  { name: 'rnaseq', files: nextflow('rnaseq'), makespanMin: 210 },
];

const FULL: Record<CaseKind, number> = { 'upstream-failure': 4, slow: 4, partial: 3, 'clock-race': 4, overlap: 3, clean: 8 };
const QUICK: Record<CaseKind, number> = { 'upstream-failure': 2, slow: 1, partial: 1, 'clock-race': 2, overlap: 1, clean: 3 };

function args(): { quick: boolean; seed: number; misses: number } {
  const i = process.argv.indexOf('--seed');
  const seed = i > 0 ? Number(process.argv[i + 1]) : 20260301;
  if (!Number.isSafeInteger(seed)) throw new Error(`--seed takes an integer, not "${process.argv[i + 1] ?? ''}"`);
  const m = process.argv.indexOf('--misses');
  return { quick: process.argv.includes('--quick'), seed, misses: m > 0 ? Number(process.argv[m + 1]) || 0 : 25 };
}

async function main(): Promise<void> {
  const started = Date.now();
  const { quick, seed, misses } = args();
  const sources = quick ? SOURCES.slice(0, 3) : SOURCES;
  const worlds = sources.map((s, k) => calibrate(buildWorld(s, k, seed), seed, k));
  const plans = worlds.map((w, k) => planWorld(w, k, { seed, historyDays: quick ? 20 : 30, mix: quick ? QUICK : FULL, firstDay: new Date(Date.UTC(2026, 1, 2)) }));
  console.log(`origin eval, seed ${seed}${quick ? ', quick' : ''}: ${worlds.length} worlds from real DAG shapes (wfcommons/WfInstances)\n`);
  worlds.forEach((w, k) => printWorld(w, plans[k]?.unmade ?? 0));
  const medic = await openMedic();
  try {
    const { cases, traces, about } = await replay(medic, worlds, plans);
    conclude(cases, traces, about, started, misses);
  } finally {
    await medic.close();
  }
}

function conclude(cases: CaseResult[], traces: Parameters<typeof leaveOneWorldOut>[1], about: Map<string, string>, started: number, misses: number): void {
  const loo = traces.size > 0 ? leaveOneWorldOut(cases, traces) : null;
  if (loo) {
    console.log(`\noptions chosen leave one world out (${loo.points} grid points; see loo.ts):`);
    for (const [world, o] of loo.chosen) console.log(`  without ${world}: ${describe(o)}`);
    console.log(`  on every world: ${describe(loo.onAll)}`);
  } else {
    console.log('\nleave-one-out not run: Medic answered no trace (see above); the headline is the API\'s defaults');
  }
  const pickers: Pickers = { headline: loo ? (c) => c.loo : (c) => c.medic, defaults: (c) => c.medic };
  console.log(`\nby kind (top-1/top-3: ${loo ? 'leave one world out' : 'defaults'}; def: the API's defaults in sample; first/latest: the baselines' top-1)`);
  printByKind(cases, pickers);
  console.log('\nby world');
  printByWorld(cases, pickers, about);
  printMisses(cases, pickers.headline, misses);
  const h = tally(cases, pickers.headline);
  const d = tally(cases, pickers.defaults);
  const first = tally(cases, (c) => ({ origin: c.firstFailed, ranked: c.firstFailed ? [c.firstFailed] : [] }));
  const latest = tally(cases, (c) => ({ origin: c.latestFailed, ranked: c.latestFailed ? [c.latestFailed] : [] }));
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  const figures = (t: typeof h) => `top-1 ${r3(rate(t.top1, t.problems))}, top-3 ${r3(rate(t.top3, t.problems))}, false origins ${r3(rate(t.falseOrigins, t.clean))}`;
  console.log(`\nMedic, ${loo ? 'leave one world out' : 'defaults'}: ${figures(h)}; the API's defaults in sample: ${figures(d)}`);
  console.log(`first failed job: top-1 ${r3(rate(first.top1, first.problems))}, answers on ${r3(rate(first.falseOrigins, first.clean))} of clean days; latest failed job: top-1 ${r3(rate(latest.top1, latest.problems))}`);
  console.log(`${cases.filter(isProblem).length} problem days and ${cases.filter((c) => !isProblem(c)).length} clean days in ${((Date.now() - started) / 1000).toFixed(0)} s; targets: top-1 ≥ 0.90, top-3 ≥ 0.98, false origins ≤ 0.02`);
  console.log(JSON.stringify({
    top1: r3(rate(h.top1, h.problems)), top3: r3(rate(h.top3, h.problems)), false_origin_rate: r3(rate(h.falseOrigins, h.clean)),
    baseline_first_failed_top1: r3(rate(first.top1, first.problems)), baseline_latest_failed_top1: r3(rate(latest.top1, latest.problems)),
    cases: cases.length, loo: loo !== null,
  }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
