import type { Logger } from 'pino';
import type { Metrics } from '../http/metrics.ts';
import { jobCatalog, jobNames } from './catalog.ts';
import type { QueueObserver } from './in-process.ts';

/**
 * The in-process queue's load as metrics (waiting, coalesced, refused) and logs: one warning when
 * it fills up and one line when it has room again with how many jobs it refused meanwhile, never
 * a line per refused job.
 */
export function queueObserver(metrics: Pick<Metrics, 'queueWaiting' | 'queueCoalesced' | 'queueRefused'>, log: Logger): QueueObserver {
  const refusing = jobNames.filter((n) => jobCatalog[n].whenFull !== 'admit');
  return {
    waiting: (count) => metrics.queueWaiting.set(count),
    coalesced: (name) => metrics.queueCoalesced.labels(name).inc(),
    refused: (name) => metrics.queueRefused.labels(name).inc(),
    full: (waiting, maxWaiting) => {
      log.warn({ waiting, maxWaiting, refusing }, 'the queue is full (MEDIC_QUEUE_MAX_WAITING): these jobs are refused until it has room (notify: the updates of a message, which catch up on its subject\'s next event)');
    },
    room: (waiting, refused) => log.info({ waiting, refused }, 'the queue has room again'),
  };
}
