/**
 * `npm run fuzz [-- --runs 10000 --seed 1] [--from I --to J] [--match TEXT]`: every route (or
 * routes I to J-1, to split a long run; or those whose `METHOD /path` holds TEXT) fuzzed with `runs` generated inputs (see test/support/fuzz.ts), against
 * the embedded store; prints a table per route (answers by status class, problems, and the heap
 * after it, which would grow route after route were requests to leak) and a last JSON line.
 * Exits 1 when any input got a 5xx, no answer, a refusal that does not say what is wrong, or a
 * refusal that changed the store.
 */
import { fuzzRoute, fuzzTargets, type RouteFuzz } from '../support/fuzz.ts';
import { FUZZ_TOKEN, openFuzzApp } from '../support/fuzz-app.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

const runs = arg('runs', 10_000);
const seed = arg('seed', 20261204);
const from = arg('from', 0);
const to = arg('to', Number.POSITIVE_INFINITY);
const matchAt = process.argv.indexOf('--match');
const match = matchAt > 0 ? process.argv[matchAt + 1] ?? '' : '';
/** The heap in MB, collected first when node runs with --expose-gc (`npm run fuzz` does). */
const heapMb = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(process.memoryUsage().heapUsed / 2 ** 20);
};
const opened = await openFuzzApp();
const results: RouteFuzz[] = [];
const started = performance.now();
try {
  const all = fuzzTargets(opened.app);
  const targets = all.slice(from, to).filter((t) => `${t.method} ${t.url}`.includes(match));
  console.log(`fuzz: ${targets.length} of ${all.length} routes (from ${from}) × ${runs.toLocaleString('en-US')} inputs, seed ${seed}\n`);
  console.log(`${'route'.padEnd(58)} ${'inputs'.padStart(7)} ${'2xx'.padStart(6)} ${'3xx'.padStart(6)} ${'4xx'.padStart(7)} ${'5xx'.padStart(5)} problems  heap MB`);
  for (const t of targets) {
    const r = await fuzzRoute(opened.app, opened.db.pool, t, FUZZ_TOKEN, { runs, seed });
    results.push(r);
    const n = (k: string) => String(r.statuses[k] ?? 0);
    console.log(`${r.route.padEnd(58)} ${String(r.inputs).padStart(7)} ${n('2xx').padStart(6)} ${n('3xx').padStart(6)} ${n('4xx').padStart(7)} ${n('5xx').padStart(5)} ${String(r.problems.length).padEnd(8)} ${heapMb()}`);
    for (const p of r.problems.slice(0, 3)) console.log(`    ${p.slice(0, 300)}`);
  }
} finally {
  await opened.close();
}
const total = (k: string) => results.reduce((s, r) => s + (r.statuses[k] ?? 0), 0);
const inputs = results.reduce((s, r) => s + r.inputs, 0);
const problems = results.reduce((s, r) => s + r.problems.length, 0);
console.log(`\n${inputs.toLocaleString('en-US')} inputs in ${Math.round((performance.now() - started) / 1000)} s: 2xx ${total('2xx')}, 3xx ${total('3xx')}, 4xx ${total('4xx')}, 5xx ${total('5xx')}; problems ${problems}`);
console.log(JSON.stringify({ fuzz: { routes: results.length, from, inputs, per_route: runs, seed, s5xx: total('5xx'), problems } }));
if (problems > 0) process.exitCode = 1;
