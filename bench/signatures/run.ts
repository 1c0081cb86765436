/**
 * `npm run bench:signatures`: template-miner throughput, then (with DATABASE_URL) similar-signature
 * search latency and recall on PostgreSQL as Medic runs it, over the reusable 100k and 1M sets
 * (search-limits.ts; `--reseed` rebuilds them). `--sizes 100000,1000000` measures other sizes on a
 * throwaway database instead, built from scratch (search.ts). `--search` is accepted for habit.
 */
import { printMinerBench } from './miner.ts';
import { runSearchBench } from './search.ts';
import { searchFigures } from './search-limits.ts';

printMinerBench();
console.log('');
const i = process.argv.indexOf('--sizes');
const url = process.env.DATABASE_URL;
if (!url) console.log('DATABASE_URL is not set: skipping the search figures');
else if (i > 0) await runSearchBench(url, (process.argv[i + 1] ?? '').split(',').map(Number).filter((n) => n > 0));
else await searchFigures(url, { reseed: process.argv.includes('--reseed') });
