/**
 * `npm run chaos [-- --scale 5] [--only name,…]`: every fault of the campaign against real
 * PostgreSQL and Redis (DATABASE_URL, REDIS_URL) and the embedded store; prints a table per fault
 * (survived or not, with its counts) and a last JSON line. Exits 1 when a fault was not survived.
 */
import { FAULTS } from './faults.ts';
import type { FaultReport } from './fault.ts';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const scale = Number(arg('scale') ?? 3);
const only = arg('only')?.split(',');
const reports: (FaultReport & { name: string; skipped?: string; seconds: number })[] = [];

console.log(`chaos: ${FAULTS.length} faults, scale ${scale}\n`);
for (const fault of FAULTS) {
  if (only && !only.some((o) => fault.name.includes(o))) continue;
  const skipped = fault.skip();
  const started = performance.now();
  const report = skipped
    ? { fault: fault.name, survived: false, counts: {}, notes: [] }
    : await fault.run({ scale }).catch((err: unknown): FaultReport => ({ fault: fault.name, survived: false, counts: {}, notes: [`threw: ${String(err)}`] }));
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  reports.push({ ...report, name: fault.name, seconds, ...(skipped ? { skipped } : {}) });
  const status = skipped ? `skipped (${skipped})` : report.survived ? 'survived' : 'NOT SURVIVED';
  console.log(`${fault.name}\n  ${status} in ${seconds} s`);
  console.log(`  ${Object.entries(report.counts).map(([k, v]) => `${k} ${v}`).join(' · ')}`);
  if ((!report.survived || process.argv.includes('--verbose')) && !skipped) for (const n of report.notes) console.log(`  ${n.slice(0, 600)}`);
}
const ran = reports.filter((r) => !r.skipped);
console.log(`\n${ran.filter((r) => r.survived).length} of ${ran.length} faults survived${reports.length > ran.length ? `, ${reports.length - ran.length} skipped` : ''}`);
console.log(JSON.stringify({ chaos: { scale, faults: ran.length, survived: ran.filter((r) => r.survived).length, results: reports.map((r) => ({ fault: r.fault, survived: r.survived, skipped: r.skipped ?? null, counts: r.counts })) } }));
if (ran.some((r) => !r.survived)) process.exitCode = 1;
