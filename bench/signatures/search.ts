/**
 * Similar-signature search on a throwaway database at any sizes, built from scratch on every run:
 * p50/p99 latency of a top-10 query through Medic's HNSW index (SIGNATURE_INDEX; `halfvec` unless
 * VECTOR_TYPE=vector) and its recall@10 against exact search.
 * `npm run bench:signatures -- --search --sizes 100000,1000000`. Without `--sizes` the bench uses
 * the reusable 100k and 1M sets instead (search-limits.ts), which is much faster after the first run.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { quantile } from 'simple-statistics';
import { EF_SEARCH } from '../../src/db/pool.ts';
import { hashingEmbedding } from '../../src/signatures/embedder.ts';
import { SIGNATURE_INDEX } from '../../src/signatures/search-index.ts';
import { texts } from './vectors.ts';

// ef_search values to measure, e.g. EF_SEARCH=40,100; by default Medic's (src/db/pool.ts).
const EFS = (process.env.EF_SEARCH ?? String(EF_SEARCH)).split(',').map(Number).filter((n) => n > 0);
// `halfvec` stores 16-bit floats: half the index, same neighbours for cosine in practice.
// Medic stores halfvec; VECTOR_TYPE=vector measures full 32-bit floats for comparison.
const TYPE = process.env.VECTOR_TYPE === 'vector' ? 'vector' : 'halfvec';
const toVec = (v: number[]) => `[${v.map((x) => x.toFixed(6)).join(',')}]`;

async function load(client: pg.Client, n: number): Promise<void> {
  await client.query(`create table bench_vectors (id bigint primary key, embedding ${TYPE}(256))`);
  const rows = texts(n, Math.max(100, n / 50), 7);
  const lines = function* () {
    for (let i = 0; i < rows.length; i++) yield `${i + 1}\t${toVec(hashingEmbedding(rows[i] ?? '', 256))}\n`;
  };
  await pipeline(Readable.from(lines()), client.query(copyStreams.from('copy bench_vectors (id, embedding) from stdin')));
  await client.query(`set maintenance_work_mem = '4GB'`);
  await client.query(`set max_parallel_maintenance_workers = 1`);
  await client.query(`create index on bench_vectors using hnsw (embedding ${TYPE}_cosine_ops) with (${SIGNATURE_INDEX.with})`);
  await client.query('analyze bench_vectors');
}

async function measure(client: pg.Client, queries: number[][], ef: number): Promise<{ p50: number; p99: number; recall: number }> {
  const latencies: number[] = [];
  let hits = 0;
  for (const q of queries) {
    const v = toVec(q);
    await client.query(`set enable_indexscan = on; set hnsw.ef_search = ${ef}`);
    const t = performance.now();
    const approx = await client.query<{ id: number; d: number }>(`select id, embedding <=> $1::${TYPE} as d from bench_vectors order by embedding <=> $1::${TYPE} limit 10`, [v]);
    latencies.push(performance.now() - t);
    await client.query('set enable_indexscan = off');
    const exact = await client.query<{ id: number; d: number }>(`select id, embedding <=> $1::${TYPE} as d from bench_vectors order by embedding <=> $1::${TYPE} limit 10`, [v]);
    // Near-duplicate signatures tie; any result as close as the exact tenth is a true neighbour.
    const kth = exact.rows.at(-1)?.d ?? Infinity;
    hits += Math.min(10, approx.rows.filter((x) => x.d <= kth + 1e-6).length);
  }
  return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), recall: hits / (queries.length * 10) };
}

export async function runSearchBench(url: string, sizes: number[], queryCount = 200): Promise<void> {
  console.log(`similar-signature search: HNSW (${SIGNATURE_INDEX.with}) over ${TYPE}(256), top 10, ${queryCount} queries`);
  console.log('recall@10 counts a result as found when it is as close as the exact search\'s tenth (ties count)');
  console.log(`${'vectors'.padStart(10)} ${'load+index s'.padStart(12)} ${'ef_search'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'recall@10'.padStart(10)}`);
  for (const n of sizes) {
    const name = `medic_vbench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const u = new URL(url);
    u.pathname = `/${name}`;
    const client = new pg.Client({ connectionString: u.toString() });
    try {
      await client.connect();
      await client.query('create extension if not exists vector');
      const t = performance.now();
      await load(client, n);
      const built = (performance.now() - t) / 1000;
      const queries = texts(queryCount, Math.max(100, n / 50), 7 + 1).map((x) => hashingEmbedding(x, 256));
      for (const ef of EFS) {
        const r = await measure(client, queries, ef);
        console.log(`${n.toLocaleString('en-US').padStart(10)} ${built.toFixed(1).padStart(12)} ${String(ef).padStart(9)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${r.recall.toFixed(3).padStart(10)}`);
      }
    } finally {
      await client.end();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  }
}
