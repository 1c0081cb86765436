import type { Queryable } from '../db/pool.ts';
import { detectTimeBuffer, type TimeBuffer } from './buffers.ts';
import { pairRuns } from './buffers-sql.ts';
import { resolveServiceJobs } from './lineage.ts';
import { listServices } from './sql.ts';

/** Every dependency of every service (declared, or learned for a service named by its last jobs), checked for a consumer that starts on a clock. */
export async function findTimeBuffers(db: Queryable, at: Date): Promise<(TimeBuffer & { services: string[] })[]> {
  const edges = new Map<string, { upstream: string; downstream: string; services: string[] }>();
  for (const s of await listServices(db)) {
    for (const j of (await resolveServiceJobs(db, s.definition)).jobs) {
      for (const up of j.after) {
        const key = `${up}\u0000${j.job}`;
        const e = edges.get(key) ?? { upstream: up, downstream: j.job, services: [] };
        e.services.push(s.name);
        edges.set(key, e);
      }
    }
  }
  const found: (TimeBuffer & { services: string[] })[] = [];
  for (const e of edges.values()) {
    const b = detectTimeBuffer(e.upstream, e.downstream, await pairRuns(db, e.upstream, e.downstream, at));
    if (b) found.push({ ...b, services: e.services });
  }
  return found.sort((a, b) => b.startedBeforeInput - a.startedBeforeInput || b.medianIdleMin - a.medianIdleMin);
}
