/**
 * Start-up of the compiled CLI, each command a process of its own over several runs (minimum,
 * median, maximum): `medic --help`, `medic signatures mine < /dev/null`, and `medic serve` to a
 * healthy `/healthz` on an existing embedded store. Measured on the Node that runs the bench and
 * on each other major given with `--nodes 22,24` (installed from the npm registry by
 * `scripts/node-version.sh`, once). `npm run bench:startup` (it builds first); the last line is
 * JSON: the running Node's medians, and every Node's under `by_node`.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/medic.js');
const TARGETS = { help: 150, mine: 300, serve: 1_500 };
const LABELS = { help: 'medic --help', mine: 'medic signatures mine < /dev/null', serve: 'medic serve → healthy /healthz (embedded store)' };
type Figure = keyof typeof TARGETS;
type Stats = { min: number; median: number; max: number };

const { values } = parseArgs({ options: { runs: { type: 'string', default: process.env.RUNS ?? '7' }, nodes: { type: 'string', default: '' } } });
const RUNS = Number(values.runs);

function timeCommand(node: string, args: string[], stdin: 'ignore' | number = 'ignore'): number {
  const t = performance.now();
  const r = spawnSync(node, [BIN, ...args], { stdio: [stdin, 'ignore', 'inherit'] });
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

async function timeServe(node: string, dataDir: string): Promise<number> {
  const port = await freePort();
  const t = performance.now();
  const { DATABASE_URL: _d, REDIS_URL: _r, ...env } = process.env;
  const child = spawn(node, [BIN, 'serve'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...env, MEDIC_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' } });
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

const stats = (xs: number[]): Stats => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0] ?? 0, median: s[Math.floor(s.length / 2)] ?? 0, max: s[s.length - 1] ?? 0 };
};

/** The three figures on one Node binary; its first command of each kind warms its caches and is not counted. */
async function measure(node: string, dir: string): Promise<Record<Figure, Stats>> {
  const devNull = openSync('/dev/null', 'r');
  timeCommand(node, ['--help']);
  const help = Array.from({ length: RUNS }, () => timeCommand(node, ['--help']));
  const mine = Array.from({ length: RUNS }, () => timeCommand(node, ['signatures', 'mine'], devNull));
  // An existing store: the first start creates and migrates it, and is not counted.
  const dataDir = mkdtempSync(join(dir, 'store-'));
  await timeServe(node, dataDir);
  const serve: number[] = [];
  for (let i = 0; i < RUNS; i++) serve.push(await timeServe(node, dataDir));
  return { help: stats(help), mine: stats(mine), serve: stats(serve) };
}

function nodeBinaries(): { version: string; path: string }[] {
  const others = values.nodes.split(',').filter(Boolean).map((major) => {
    const bin = execFileSync('bash', [join(ROOT, 'scripts/node-version.sh'), major], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return join(bin, 'node');
  });
  return [process.execPath, ...others].map((path) => ({ path, version: execFileSync(path, ['--version'], { encoding: 'utf8' }).trim() }))
    .filter((n, i, all) => all.findIndex((m) => m.version === n.version) === i);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'medic-startup-'));
  try {
    const results: Record<string, Record<Figure, Stats>> = {};
    for (const node of nodeBinaries()) {
      const rows = await measure(node.path, dir);
      results[node.version] = rows;
      console.log(`\nstart-up of the compiled CLI on Node ${node.version}, ${RUNS} runs each\n`);
      for (const k of Object.keys(rows) as Figure[]) {
        const r = rows[k];
        console.log(`${LABELS[k].padEnd(48)} min ${r.min.toFixed(0).padStart(5)} ms  median ${r.median.toFixed(0).padStart(5)} ms  max ${r.max.toFixed(0).padStart(5)} ms  target ≤ ${TARGETS[k]} ms: ${r.median <= TARGETS[k] ? 'met' : 'NOT met'}`);
      }
    }
    const medians = (rows: Record<Figure, Stats>) => Object.fromEntries(Object.entries(rows).map(([k, r]) => [`${k}_median_ms`, Math.round(r.median)]));
    const own = results[process.version];
    console.log(JSON.stringify({ ...(own ? medians(own) : {}), by_node: Object.fromEntries(Object.entries(results).map(([v, rows]) => [v, medians(rows)])) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
