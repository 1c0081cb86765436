/**
 * Template miner throughput on one core: every Loghub-2k message (24,000) repeated to at least
 * 300,000 lines, first into a fresh miner (learning), then again into the warmed miner.
 */
import { fileURLToPath } from 'node:url';
import { loadSystem, SYSTEMS } from '../evals/signatures/loghub.ts';
import { createMiner } from '../src/signatures/template-miner.ts';

const DATA = fileURLToPath(new URL('../../shared/data/loghub-2k', import.meta.url));

export function runMinerBench(minLines = 300_000): { lines: number; coldPerSecond: number; warmPerSecond: number; clusters: number } {
  const messages = SYSTEMS.flatMap((s) => loadSystem(DATA, s).map((m) => m.content));
  const lines: string[] = [];
  while (lines.length < minLines) lines.push(...messages);
  const warmup = createMiner();
  for (const m of messages) warmup.add(m);
  const miner = createMiner();
  let t = performance.now();
  for (const line of lines) miner.add(line);
  const cold = performance.now() - t;
  t = performance.now();
  for (const line of lines) miner.add(line);
  const warm = performance.now() - t;
  return { lines: lines.length, coldPerSecond: lines.length / (cold / 1000), warmPerSecond: lines.length / (warm / 1000), clusters: miner.size };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = runMinerBench();
  console.log(`template miner, one core, ${r.lines.toLocaleString('en-US')} Loghub lines (24k messages repeated), ${r.clusters} clusters`);
  console.log(`  first pass (learning):  ${Math.round(r.coldPerSecond).toLocaleString('en-US')} msgs/s`);
  console.log(`  second pass (steady):   ${Math.round(r.warmPerSecond).toLocaleString('en-US')} msgs/s`);
}
