/**
 * Template mining on Loghub-2k with one configuration for every system: grouping accuracy (GA)
 * and parsing accuracy (PA) per system, beside tuned Drain's GA. `npm run eval:signatures`.
 * Templates are final templates: each message is scored against its cluster's template after
 * the whole system was mined, as the published evaluations do.
 */
import { fileURLToPath } from 'node:url';
import { createMiner } from '../../src/signatures/template-miner.ts';
import { DRAIN_GA, loadSystem, scores, SYSTEMS } from './loghub.ts';

const DATA = fileURLToPath(new URL('../../../shared/data/loghub-2k', import.meta.url));

export function evaluateSystem(system: string) {
  const truth = loadSystem(DATA, system);
  const miner = createMiner();
  const ids = truth.map((t) => miner.add(t.content).clusterId);
  const finalTemplate = new Map(miner.snapshot().clusters.map((c) => [c.id, c.tokens.join(' ')]));
  const predicted = ids.map((id) => ({ clusterId: id, template: finalTemplate.get(id) ?? '' }));
  return { system, messages: truth.length, events: new Set(truth.map((t) => t.eventId)).size, ...scores(truth, predicted) };
}

function main(): void {
  const rows = SYSTEMS.map(evaluateSystem);
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  console.log('Loghub-2k (corrected ground truth), one configuration for all systems\n');
  console.log(`${'system'.padEnd(10)} ${pad('messages', 8)} ${pad('events', 6)} ${pad('clusters', 8)} ${pad('GA', 6)} ${pad('PA', 6)} ${pad('Drain GA', 8)}`);
  for (const r of rows) {
    console.log(`${r.system.padEnd(10)} ${pad(r.messages, 8)} ${pad(r.events, 6)} ${pad(r.clusters, 8)} ${pad(r.ga.toFixed(3), 6)} ${pad(r.pa.toFixed(3), 6)} ${pad((DRAIN_GA[r.system] ?? 0).toFixed(3), 8)}`);
  }
  const mean = (f: (r: (typeof rows)[number]) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
  const drainMean = rows.reduce((s, r) => s + (DRAIN_GA[r.system] ?? 0), 0) / rows.length;
  console.log(`${'mean'.padEnd(10)} ${pad('', 8)} ${pad('', 6)} ${pad('', 8)} ${pad(mean((r) => r.ga).toFixed(3), 6)} ${pad(mean((r) => r.pa).toFixed(3), 6)} ${pad(drainMean.toFixed(3), 8)}`);
  console.log(`\nsystems below GA 0.75: ${rows.filter((r) => r.ga < 0.75).map((r) => r.system).join(', ') || 'none'}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
