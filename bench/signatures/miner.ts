/**
 * Template miner throughput on one core: every Loghub-2k message (24,000) repeated to at least
 * 300,000 lines, first into a fresh miner (learning), then again into the warmed miner; then the
 * same lines end to end through `medic signatures mine` (start-up, reading and writing included).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSystem, SYSTEMS } from '../../evals/signatures/loghub.ts';
import { createMiner } from '../../src/signatures/template-miner.ts';

const DATA = fileURLToPath(new URL('../../../shared/data/loghub-2k', import.meta.url));

function benchLines(minLines: number): string[] {
  const messages = SYSTEMS.flatMap((s) => loadSystem(DATA, s).map((m) => m.content));
  const lines: string[] = [];
  while (lines.length < minLines) lines.push(...messages);
  return lines;
}

export function runMinerBench(minLines = 300_000): { lines: number; coldPerSecond: number; warmPerSecond: number; clusters: number } {
  const lines = benchLines(minLines);
  const messages = lines.slice(0, 24_000);
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

/** `medic signatures mine` over the lines, a process of its own, start-up included. */
export function runMineCommand(minLines = 320_000): { lines: number; seconds: number; perSecond: number } {
  const dir = mkdtempSync(join(tmpdir(), 'medic-mine-'));
  try {
    const lines = benchLines(minLines);
    const input = join(dir, 'lines.txt');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const stdin = openSync(input, 'r');
    const t = performance.now();
    const r = spawnSync(process.execPath, [fileURLToPath(new URL('../../bin/medic.js', import.meta.url)), 'signatures', 'mine'], { stdio: [stdin, 'ignore', 'inherit'] });
    const seconds = (performance.now() - t) / 1000;
    closeSync(stdin);
    if (r.status !== 0) throw new Error(`medic signatures mine exited with ${r.status}`);
    return { lines: lines.length, seconds, perSecond: lines.length / seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printMinerBench(): void {
  const r = runMinerBench();
  console.log(`template miner, one core, ${r.lines.toLocaleString('en-US')} Loghub lines (24k messages repeated), ${r.clusters} clusters`);
  console.log(`  first pass (learning):  ${Math.round(r.coldPerSecond).toLocaleString('en-US')} msgs/s`);
  console.log(`  second pass (steady):   ${Math.round(r.warmPerSecond).toLocaleString('en-US')} msgs/s`);
  const e = runMineCommand();
  console.log(`  medic signatures mine:  ${e.lines.toLocaleString('en-US')} lines in ${e.seconds.toFixed(2)} s, ${Math.round(e.perSecond).toLocaleString('en-US')} lines/s end to end (start-up included)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) printMinerBench();
