/**
 * `npm run bench:signatures`: template-miner throughput, then (with DATABASE_URL) similar-signature
 * search latency and recall on PostgreSQL. `--sizes 100000,1000000` picks the store sizes.
 */
import { printMinerBench } from './miner.ts';
import { runSearchBench } from './search.ts';

printMinerBench();
console.log('');
const i = process.argv.indexOf('--sizes');
const sizes = (i > 0 ? process.argv[i + 1] ?? '' : '100000').split(',').map(Number).filter((n) => n > 0);
if (process.env.DATABASE_URL) await runSearchBench(process.env.DATABASE_URL, sizes);
else console.log('DATABASE_URL is not set: skipping the search figures');
