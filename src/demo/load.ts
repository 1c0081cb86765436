import type { Deps } from '../deps.ts';
import { ingest, type IngestSummary } from '../ingest/ingest.ts';
import { demoWorld } from './history.ts';

export interface DemoLoadResult {
  orchestrator: string;
  instance: string;
  payloads: number;
  summary: Omit<IngestSummary, 'items'>;
}

/**
 * Ingests the demo history through the same path as the API (a second load adds nothing) and
 * says when today's in-flight close is worth replaying, and which past close went partial.
 */
export async function loadDemoHistory(deps: Pick<Deps, 'pool' | 'queue' | 'clock'>, days = 28): Promise<{ results: DemoLoadResult[]; replayAt: Date; partialDay: string }> {
  const results: DemoLoadResult[] = [];
  const world = demoWorld(deps.clock(), days);
  for (const batch of world.batches) {
    const total = { accepted: 0, duplicate: 0, ignored: 0, rejected: 0 };
    for (let i = 0; i < batch.payloads.length; i += 500) {
      const s = await ingest(deps, {
        orchestrator: batch.orchestrator, source: batch.instance, timeZone: batch.timeZone,
        items: batch.payloads.slice(i, i + 500), receivedAt: deps.clock(),
      });
      total.accepted += s.accepted;
      total.duplicate += s.duplicate;
      total.ignored += s.ignored;
      total.rejected += s.rejected;
    }
    results.push({ orchestrator: batch.orchestrator, instance: batch.instance, payloads: batch.payloads.length, summary: total });
  }
  return { results, replayAt: world.replayAt, partialDay: world.partialDay };
}
