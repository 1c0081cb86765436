/**
 * Start-up of the compiled CLI, each command a process of its own over several runs (minimum,
 * median, maximum): `medic --help`, `medic signatures mine < /dev/null`, and `medic serve` to a
 * healthy `/healthz` on an existing embedded store. `npm run bench:startup` (after `npm run build`);
 * the last line is JSON.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/medic.js', import.meta.url));
const RUNS = Number(process.env.RUNS ?? 7);
const TARGETS = { help: 150, mine: 300, serve: 1_500 };

function timeCommand(args: string[], stdin: 'ignore' | number = 'ignore'): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { stdio: [stdin, 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`medic ${args.join(' ')} exited with ${r.status}`);
  return performance.now() - t;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function timeServe(dataDir: string): Promise<number> {
  const port = await freePort();
  const t = performance.now();
  const { DATABASE_URL: _d, REDIS_URL: _r, ...env } = process.env;
  const child = spawn(process.execPath, [BIN, 'serve'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...env, MEDIC_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' } });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`medic serve exited with ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      if (ok) return performance.now() - t;
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0] ?? 0, median: s[Math.floor(s.length / 2)] ?? 0, max: s[s.length - 1] ?? 0 };
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'medic-startup-'));
  try {
    const devNull = openSync('/dev/null', 'r');
    const help = Array.from({ length: RUNS }, () => timeCommand(['--help']));
    const mine = Array.from({ length: RUNS }, () => timeCommand(['signatures', 'mine'], devNull));
    // An existing store: the first start creates and migrates it, and is not counted.
    const dataDir = join(dir, 'store');
    await timeServe(dataDir);
    const serve: number[] = [];
    for (let i = 0; i < RUNS; i++) serve.push(await timeServe(dataDir));
    const rows = { help: stats(help), mine: stats(mine), serve: stats(serve) };
    const labels = { help: 'medic --help', mine: 'medic signatures mine < /dev/null', serve: 'medic serve → healthy /healthz (embedded store)' };
    console.log(`start-up of the compiled CLI, ${RUNS} runs each, Node ${process.version}\n`);
    for (const k of Object.keys(rows) as (keyof typeof rows)[]) {
      const r = rows[k];
      console.log(`${labels[k].padEnd(48)} min ${r.min.toFixed(0).padStart(5)} ms  median ${r.median.toFixed(0).padStart(5)} ms  max ${r.max.toFixed(0).padStart(5)} ms  target ≤ ${TARGETS[k]} ms: ${r.median <= TARGETS[k] ? 'met' : 'NOT met'}`);
    }
    console.log(JSON.stringify(Object.fromEntries(Object.entries(rows).map(([k, r]) => [`${k}_median_ms`, Math.round(r.median)]))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
