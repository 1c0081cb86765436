/**
 * Template mining on Loghub-2k, leave one system out: for each system the miner's settings are
 * chosen on the other eleven (tuning.ts) and the system is scored with them, so no figure in the
 * headline comes from a setting that saw the system. Printed beside it, from the same run:
 * Drain3 with its default configuration, the shipped defaults scored in sample, and the
 * published per-system tuned Drain. `npm run eval:signatures`; the last line is JSON.
 */
import { fileURLToPath } from 'node:url';
import { MINER_DEFAULTS } from '../../src/signatures/template-miner.ts';
import { createDrain3 } from './drain3.ts';
import { DRAIN_GA, loadSystem, scores, SYSTEMS, type Labelled } from './loghub.ts';
import { choose, scorer, type Score, type Tuning } from './tuning.ts';

const DATA = fileURLToPath(new URL('../../../shared/data/loghub-2k', import.meta.url));

function drain3(truth: Labelled[]): Score {
  const d = createDrain3();
  const ids = truth.map((t) => d.add(t.content).clusterId);
  return scores(truth, ids.map((id) => ({ clusterId: id, template: d.template(id) })));
}

const SHIPPED: Tuning = {
  similarity: MINER_DEFAULTS.similarity, wordWeight: MINER_DEFAULTS.wordWeight, wildWeight: MINER_DEFAULTS.wildWeight,
  lockAfter: Number.isFinite(MINER_DEFAULTS.lockAfter) ? MINER_DEFAULTS.lockAfter : 1e9, variety: MINER_DEFAULTS.variety,
  maxHole: MINER_DEFAULTS.maxHole, maxValueHole: MINER_DEFAULTS.maxValueHole, context: MINER_DEFAULTS.context,
  restoreAfter: Number.isFinite(MINER_DEFAULTS.restoreAfter) ? MINER_DEFAULTS.restoreAfter : 1e9,
  units: MINER_DEFAULTS.mask.units ?? false, quoted: MINER_DEFAULTS.mask.quoted ?? false, colon: MINER_DEFAULTS.mask.colon ?? true,
};

/** The settings where a choice differs from the shipped defaults, as `name=value`. */
const differences = (t: Tuning) =>
  (Object.keys(t) as (keyof Tuning)[]).filter((k) => t[k] !== SHIPPED[k]).map((k) => `${k}=${t[k]}`).join(' ') || 'shipped defaults';

function main(): void {
  const started = Date.now();
  const systems = new Map(SYSTEMS.map((s) => [s as string, loadSystem(DATA, s)]));
  const score = scorer(systems);
  const names = [...systems.keys()];
  const rows = names.map((held) => {
    const chosen = choose(score, names.filter((n) => n !== held));
    const loo = score(chosen).get(held) as Score;
    const shipped = score(SHIPPED).get(held) as Score;
    return { system: held, chosen, loo, shipped, drain3: drain3(systems.get(held) as Labelled[]) };
  });
  const allTwelve = choose(score, names);

  const pad = (s: string | number, n: number) => String(s).padStart(n);
  const f = (x: number) => pad(x.toFixed(3), 6);
  console.log('Loghub-2k (corrected ground truth), leave one system out: settings chosen on the other eleven\n');
  console.log(`${'system'.padEnd(10)} ${pad('LOO GA', 6)} ${pad('LOO PA', 6)} | ${pad('D3 GA', 6)} ${pad('D3 PA', 6)} | ${pad('in GA', 6)} ${pad('in PA', 6)} | ${pad('tuned', 6)}  settings chosen without the system`);
  for (const r of rows) {
    console.log(`${r.system.padEnd(10)} ${f(r.loo.ga)} ${f(r.loo.pa)} | ${f(r.drain3.ga)} ${f(r.drain3.pa)} | ${f(r.shipped.ga)} ${f(r.shipped.pa)} | ${f(DRAIN_GA[r.system] ?? 0)}  ${differences(r.chosen)}`);
  }
  const mean = (g: (r: (typeof rows)[number]) => number) => rows.reduce((s, r) => s + g(r), 0) / rows.length;
  const m = {
    loo: { ga: mean((r) => r.loo.ga), pa: mean((r) => r.loo.pa), minGa: Math.min(...rows.map((r) => r.loo.ga)) },
    drain3: { ga: mean((r) => r.drain3.ga), pa: mean((r) => r.drain3.pa), minGa: Math.min(...rows.map((r) => r.drain3.ga)) },
    shipped: { ga: mean((r) => r.shipped.ga), pa: mean((r) => r.shipped.pa) },
    tunedDrain: mean((r) => DRAIN_GA[r.system] ?? 0),
  };
  console.log(`${'mean'.padEnd(10)} ${f(m.loo.ga)} ${f(m.loo.pa)} | ${f(m.drain3.ga)} ${f(m.drain3.pa)} | ${f(m.shipped.ga)} ${f(m.shipped.pa)} | ${f(m.tunedDrain)}`);
  console.log('\nLOO: scored with settings chosen on the other eleven (the headline). D3: Drain3, default configuration, same run.');
  console.log('in: the shipped defaults, in sample. tuned: Drain with per-system regexes and thresholds (published).');
  console.log(`lowest LOO GA ${m.loo.minGa.toFixed(3)}; settings chosen on all twelve: ${differences(allTwelve)}`);
  console.log(`shipped defaults ${JSON.stringify(allTwelve) === JSON.stringify(SHIPPED) ? 'are' : 'are NOT'} what the search chooses on all twelve (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  console.log(JSON.stringify({
    loo_ga: r3(m.loo.ga), loo_pa: r3(m.loo.pa), loo_min_ga: r3(m.loo.minGa), drain3_ga: r3(m.drain3.ga), drain3_pa: r3(m.drain3.pa),
    shipped_ga: r3(m.shipped.ga), shipped_pa: r3(m.shipped.pa), systems: Object.fromEntries(rows.map((r) => [r.system, { ga: r3(r.loo.ga), pa: r3(r.loo.pa) }])),
  }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
