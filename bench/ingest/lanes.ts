import type { Pool } from '../../src/db/pool.ts';
import { ingest } from '../../src/ingest/ingest.ts';
import type { JobQueue } from '../../src/queue/queue.ts';

/** Ingests OpenLineage `payloads` in batches, `lanes` batches in flight; returns the events stored. */
export async function ingestInLanes(pool: Pool, queue: JobQueue, payloads: unknown[], batch: number, lanes: number): Promise<number> {
  let next = 0;
  let accepted = 0;
  await Promise.all(Array.from({ length: lanes }, async () => {
    while (next < payloads.length) {
      const items = payloads.slice(next, next + batch);
      next += batch;
      const s = await ingest({ pool, queue }, { orchestrator: 'openlineage', timeZone: 'UTC', items, receivedAt: new Date() });
      accepted += s.accepted;
    }
  }));
  return accepted;
}
