/**
 * A pass over a configured source as Medic runs it, from `medic sync` or the worker: the lease's
 * dead holders taken over, the outcome counted in the metrics and logged.
 */
import type { Deps } from '../deps.ts';
import { isDeadLocalOwner } from './owner.ts';
import type { SourceEntry } from './registry.ts';
import { leaseHolder } from './state-sql.ts';
import { syncSource, type SyncOptions, type SyncOutcome } from './sync.ts';

export type RunDeps = Pick<Deps, 'pool' | 'queue' | 'clock' | 'log' | 'metrics' | 'config'>;

export interface RunOptions extends Pick<SyncOptions, 'owner' | 'restart' | 'signal' | 'onProgress'> {
  /** How far back a source with no cursor goes; the source's `pull.since` when absent. */
  sinceMs?: number;
}

export async function runSync(deps: RunDeps, entry: SourceEntry, options: RunOptions): Promise<SyncOutcome> {
  const { config } = entry;
  const holder = await leaseHolder(deps.pool, config.source);
  const deadOwners = holder && holder !== options.owner && isDeadLocalOwner(holder) ? [holder] : [];
  const since = new Date(deps.clock().getTime() - (options.sinceMs ?? config.pull.since));
  const log = deps.log.child({ source: config.source });
  const outcome = await syncSource(
    { pool: deps.pool, queue: deps.queue, clock: deps.clock, log, timeZone: deps.config.timeZone, metrics: deps.metrics },
    config, entry.puller, { ...options, since, deadOwners },
  );
  count(deps, outcome);
  if (outcome.kind === 'failed') log.warn({ where: outcome.where, detail: outcome.detail, fatal: outcome.fatal }, outcome.fatal ? 'source stopped: its credentials were refused' : 'sync failed');
  else if (outcome.kind === 'busy') log.debug({ owner: outcome.owner }, 'source is being synced elsewhere');
  else log.info({ pages: outcome.pages, items: outcome.items, accepted: outcome.accepted, ms: outcome.ms }, `sync ${outcome.kind}`);
  return outcome;
}

function count(deps: RunDeps, o: SyncOutcome): void {
  if (o.kind === 'busy') return;
  const m = deps.metrics;
  m.sourceItems.labels(o.source, 'accepted').inc(o.accepted);
  m.sourceItems.labels(o.source, 'duplicate').inc(o.duplicates);
  m.sourceItems.labels(o.source, 'rejected').inc(o.rejected);
  if (o.malformed > 0) m.sourceErrors.labels(o.source, 'malformed').inc(o.malformed);
  if (o.rejected > 0) m.sourceErrors.labels(o.source, 'rejected').inc(o.rejected);
  if (o.kind === 'failed') m.sourceErrors.labels(o.source, o.fatal ? 'auth' : 'failed').inc();
}
