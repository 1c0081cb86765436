/**
 * Pulls OpenLineage history from Marquez.
 *
 * A pass reads the raw RunEvents Marquez received (`GET /api/v1/events/lineage`, `sortDirection
 * =asc`, windowed by `after`/`before`, paged by `limit`/`offset`): they carry every facet and
 * dataset the producer sent, which the runs API only summarises. A Marquez that answers that
 * path with 404 predates it (before 0.26); the pass then walks namespaces → jobs → runs and
 * rebuilds each run's START and COMPLETE/FAIL/ABORT. Each new pass tries the events API again,
 * so an upgraded Marquez is read the better way from its next pass on.
 *
 * Marquez has no namespace filter on events: `pull.namespaces` is applied to each event's job.
 */
import { nameFilter, type MarquezSource } from './config.ts';
import { startingCursor } from './marquez-cursor.ts';
import { eventsWalk, type WalkContext } from './marquez-events.ts';
import { marquezApi } from './marquez-http.ts';
import { runsWalk } from './marquez-runs.ts';
import type { PullCall, Puller } from './puller.ts';

/**
 * How far behind now a pass stops. Marquez orders events by the producer's eventTime, not by
 * arrival: an event delivered after one with a later time is read only if the walk has not
 * gone past its time yet. Stopping short of now lets deliveries lag by this much.
 * @defaultValue 30 s
 */
export const SETTLE_MS = 30_000;

export interface MarquezPullerOptions {
  /** @defaultValue {@link SETTLE_MS} */
  settleMs?: number;
}

export function marquezPuller(source: MarquezSource, call: PullCall, options: MarquezPullerOptions = {}): Puller {
  const api = marquezApi(source, call);
  const keep = nameFilter(source.pull.namespaces);
  const settleMs = options.settleMs ?? SETTLE_MS;
  return {
    async *pull(req, signal) {
      const ctx: WalkContext = { api, limit: source.pull.page_size, keep, filtered: source.pull.namespaces.length > 0, signal };
      const start = startingCursor(req);
      if (start.mode === 'runs') {
        yield* runsWalk(ctx, start);
        return;
      }
      const until = new Date(req.now.getTime() - settleMs).toISOString();
      const end = yield* eventsWalk(ctx, start, until);
      if (end === 'absent') yield* runsWalk(ctx, { mode: 'runs', from: start.after, to: until, namespace: '', job: '', offset: 0 });
    },
  };
}
