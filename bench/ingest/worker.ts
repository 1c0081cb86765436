/**
 * One ingest process of the bench: its own pool, its share of the payloads. Medic's API processes
 * are stateless, so running several is how a deployment uses more cores.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../../src/db/pool.ts';
import { ingestInLanes } from './lanes.ts';
import { createInProcessQueue } from '../../src/queue/in-process.ts';
import { openLineageEvents } from './ol-events.ts';

const { url, count, seed, offset, stride, batch, lanes } = workerData as {
  url: string; count: number; seed: number; offset: number; stride: number; batch: number; lanes: number;
};
const all = openLineageEvents(count, seed);
// Whole batches go to one process each, so a run's START and COMPLETE stay together as they would.
const mine: unknown[] = [];
for (let i = offset * batch; i < all.length; i += stride * batch) mine.push(...all.slice(i, i + batch));
const db = await openDatabase({ databaseUrl: url, dataDir: 'unused', maxConnections: lanes });
const queue = createInProcessQueue();
parentPort?.postMessage({ ready: true });
await new Promise<void>((resolve) => parentPort?.once('message', () => resolve()));
const accepted = await ingestInLanes(db.pool, queue, mine, batch, lanes);
await queue.close();
await db.close();
parentPort?.postMessage({ done: true, accepted });
