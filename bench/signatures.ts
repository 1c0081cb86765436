/**
 * `npm run bench:signatures`: template-miner throughput, then (with DATABASE_URL) similar-signature
 * search latency and recall on PostgreSQL. `--sizes 100000,1000000` picks the store sizes.
 */
import { runMinerBench } from './signatures-miner.ts';
import { runSearchBench } from './signatures-search.ts';

const r = runMinerBench();
console.log(`template miner, one core, ${r.lines.toLocaleString('en-US')} Loghub lines (24k messages repeated), ${r.clusters} clusters`);
console.log(`  first pass (learning):  ${Math.round(r.coldPerSecond).toLocaleString('en-US')} msgs/s`);
console.log(`  second pass (steady):   ${Math.round(r.warmPerSecond).toLocaleString('en-US')} msgs/s\n`);
const i = process.argv.indexOf('--sizes');
const sizes = (i > 0 ? process.argv[i + 1] ?? '' : '100000').split(',').map(Number).filter((n) => n > 0);
if (process.env.DATABASE_URL) await runSearchBench(process.env.DATABASE_URL, sizes);
else console.log('DATABASE_URL is not set: skipping the search figures');
