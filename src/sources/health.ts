/**
 * How each configured source stands: its last success, lag, last error and whether a pass is
 * running, for `GET /v1/sources`, `medic sources` and the Prometheus gauges.
 */
import type { Queryable } from '../db/pool.ts';
import type { Metrics } from '../http/metrics.ts';
import type { SourceConfig } from './config.ts';
import { publicView } from './registry.ts';
import { sourceErrors, sourceStates, type SourceError, type SourceState } from './state-sql.ts';

export type SourceHealth = ReturnType<typeof publicView> & {
  status: 'never_synced' | 'syncing' | 'ok' | 'failing' | 'stopped';
  last_attempt_at: Date | null;
  last_success_at: Date | null;
  /** Seconds since the start of the last complete pass; null before the first. */
  lag_s: number | null;
  last_error: string | null;
  last_error_at: Date | null;
  newest_event_at: Date | null;
  items_pulled: number;
  pages_pulled: number;
  /** Whether a sync holds the source now. */
  running: boolean;
  recent_errors?: SourceError[];
};

function statusOf(s: SourceState | undefined, running: boolean): SourceHealth['status'] {
  if (!s) return 'never_synced';
  if (running) return 'syncing';
  if (s.stopped) return 'stopped';
  if (s.last_error_at && (!s.last_success_at || s.last_error_at > s.last_success_at)) return 'failing';
  return s.last_success_at ? 'ok' : 'never_synced';
}

export async function sourcesHealth(db: Queryable, sources: readonly SourceConfig[], now: Date, options: { errors?: number } = {}): Promise<SourceHealth[]> {
  const states = new Map((await sourceStates(db)).map((s) => [s.source, s]));
  return Promise.all(sources.map(async (c) => {
    const s = states.get(c.source);
    const running = s?.lease_until != null && s.lease_until > now;
    const health: SourceHealth = {
      ...publicView(c),
      status: statusOf(s, running),
      last_attempt_at: s?.last_attempt_at ?? null,
      last_success_at: s?.last_success_at ?? null,
      lag_s: s?.last_success_at ? Math.max(0, Math.round((now.getTime() - s.last_success_at.getTime()) / 1000)) : null,
      last_error: s?.last_error ?? null,
      last_error_at: s?.last_error_at ?? null,
      newest_event_at: s?.newest_event_at ?? null,
      items_pulled: s?.items_pulled ?? 0,
      pages_pulled: s?.pages_pulled ?? 0,
      running,
    };
    if (options.errors) health.recent_errors = await sourceErrors(db, c.source, options.errors);
    return health;
  }));
}

/** Sets the lag and last-success gauges from the store, so any replica's scrape tells the truth. */
export async function refreshSourceGauges(db: Queryable, sources: readonly SourceConfig[], metrics: Pick<Metrics, 'sourceLag' | 'sourceLastSuccess'>, now: Date): Promise<void> {
  if (sources.length === 0) return;
  for (const h of await sourcesHealth(db, sources, now)) {
    if (h.last_success_at) {
      metrics.sourceLastSuccess.labels(h.source).set(h.last_success_at.getTime() / 1000);
      metrics.sourceLag.labels(h.source).set(h.lag_s ?? 0);
    }
  }
}
