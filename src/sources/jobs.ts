/** Continuous sync: the worker's `source-sync` job, one per configured source and interval. */
import type { Deps } from '../deps.ts';
import type { JobHandlers } from '../queue/catalog.ts';
import { processOwner } from './owner.ts';
import { runSync } from './run.ts';

export function sourceHandlers(deps: Deps): Pick<JobHandlers, 'source-sync'> {
  const owner = processOwner();
  return {
    'source-sync': async ({ source }) => {
      const entry = deps.sources.get(source);
      // A schedule left over from a source since removed from the configuration.
      if (!entry) return;
      const stopped = (await deps.pool.query<{ stopped: boolean }>('select stopped from source_state where source = $1', [source])).rows[0]?.stopped;
      // Refused credentials do not mend themselves: `medic sync SOURCE` tries again once they are fixed.
      if (stopped) return;
      await runSync(deps, entry, { owner });
    },
  };
}

/** Registers each source's schedule (safe to repeat: one schedule per source). */
export async function scheduleSources(deps: Pick<Deps, 'queue' | 'sources'>): Promise<void> {
  await Promise.all(deps.sources.list.map(({ config }) => deps.queue.every('source-sync', { source: config.source }, config.pull.interval_s * 1000, config.source)));
}

/** A first pass over each source now, rather than one interval after the start. */
export async function syncSourcesNow(deps: Pick<Deps, 'queue' | 'sources'>): Promise<void> {
  await Promise.all(deps.sources.list.map(({ config }) => deps.queue.enqueue('source-sync', { source: config.source })));
}
