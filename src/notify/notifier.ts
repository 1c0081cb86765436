import type { Logger } from 'pino';
import type { JobQueue } from '../queue/queue.ts';
import type { NotifyEvent } from './events.ts';

/**
 * Tells people what happened, through the queue: a Slack outage delays a message and loses
 * nothing, and the caller never waits on Slack. A slow Slack does not make the queue grow
 * without end: an event whose subject has a job waiting is folded into it, and a full queue
 * refuses an event that only updates a message (counted in `medic_queue_refused_jobs_total`):
 * the message catches up on the subject's next event, since a job renders what is true when it
 * runs (`src/notify/queueing.ts`).
 */
export interface Notifier {
  /** Whether anything is listening (Slack is configured); publishing to a disabled notifier does nothing. */
  readonly enabled: boolean;
  /** Queues the event (or folds it into its subject's waiting job). Never throws: telling people must not fail the thing it tells about. */
  publish(event: NotifyEvent): Promise<void>;
}

/** A notifier that queues a `notify` job per event, or does nothing when `enabled` is false (no `SLACK_BOT_TOKEN`). */
export function createNotifier(deps: { queue: Pick<JobQueue, 'enqueue'>; log: Logger; enabled: boolean }): Notifier {
  return {
    enabled: deps.enabled,
    async publish(event) {
      if (!deps.enabled) return;
      try {
        const queued = await deps.queue.enqueue('notify', event);
        // The queue logs once when it fills up and counts each refusal; a line per event would flood the log.
        if (queued.kind === 'refused') deps.log.debug({ event, waiting: queued.waiting }, 'notification refused: the queue is full');
      } catch (err) {
        deps.log.warn({ err, event }, 'notification not queued');
      }
    },
  };
}
