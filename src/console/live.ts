/**
 * What makes the console live: every process polls a few cheap versions from the store (so a
 * change made through any replica, a worker or the CLI shows up) and tells each open page, over
 * server-sent events, which of its regions to fetch again. Nothing is polled while no page is open.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Queryable } from '../db/pool.ts';

/** Regions of the console that can go stale. */
export type Topic = 'incidents' | 'approvals' | 'executions' | 'sla';

export interface ChangeFeed {
  /** Calls `listener` with the topics that changed since the last poll; returns what unsubscribes. */
  subscribe(listener: (topics: Topic[]) => void): () => void;
  /** Stops polling. */
  close(): void;
}

// The audit log records every vote, modification, execution step and lapse: its newest id moves
// whenever an approval or an execution does.
const VERSIONS = `select
  (select coalesce(max(id), 0) from audit_log)::text as audit,
  (select count(*)::text || '/' || coalesce(max(last_seen_at)::text, '') from incidents where status not in ('resolved', 'closed')) as incidents,
  (select count(*)::text || '/' || coalesce(max(updated_at)::text, '') from executions where state in ('pending', 'executing')) as executions,
  (select coalesce(max(updated_at)::text, '') from service_forecasts) || '/' || (select coalesce(max(updated_at)::text, '') from sla_risks) as sla`;

type Versions = Record<Topic, string>;

/** A feed polling `db` every `intervalMs` (default 2 s) while anyone listens. */
export function createChangeFeed(db: Queryable, log: Logger, intervalMs = 2_000): ChangeFeed {
  const listeners = new Set<(topics: Topic[]) => void>();
  let last: Versions | undefined;
  let timer: NodeJS.Timeout | undefined;
  let polling = false;

  async function poll(): Promise<void> {
    if (polling) return;
    polling = true;
    try {
      const row = (await db.query<{ audit: string; incidents: string; executions: string; sla: string }>(VERSIONS)).rows[0];
      if (!row) return;
      const now: Versions = { incidents: row.incidents, approvals: row.audit, executions: `${row.executions}/${row.audit}`, sla: row.sla };
      const changed = last ? (Object.keys(now) as Topic[]).filter((t) => now[t] !== last?.[t]) : [];
      last = now;
      if (changed.length) for (const l of listeners) l(changed);
    } catch (err) {
      log.warn({ err }, 'console change feed: poll failed');
    } finally {
      polling = false;
    }
  }

  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    last = undefined;
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (!timer) {
        timer = setInterval(() => void poll(), intervalMs);
        timer.unref();
        void poll();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) stop();
      };
    },
    close() {
      listeners.clear();
      stop();
    },
  };
}

/** `GET /events`: the feed as server-sent events, one event per changed topic, and a ping to keep proxies from closing it. */
export function eventsRoute(app: FastifyInstance, feed: ChangeFeed): void {
  const open = new Set<() => void>();
  // A stream never ends by itself: the server could not close while one is open.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });
  app.get('/events', { schema: { hide: true } }, (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    const off = feed.subscribe((topics) => {
      for (const t of topics) res.write(`event: ${t}\ndata: ${t}\n\n`);
    });
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    const end = () => {
      off();
      clearInterval(ping);
      open.delete(end);
      if (!res.writableEnded) res.end();
    };
    open.add(end);
    req.raw.once('close', end);
  });
}
