import type { Logger } from 'pino';
import type { JobQueue } from '../queue/queue.ts';
import type { NotifyEvent } from './events.ts';

/**
 * Tells people what happened, through the queue: a Slack outage delays a message and loses
 * nothing, and the caller never waits on Slack.
 */
export interface Notifier {
  /** Whether anything is listening (Slack is configured); publishing to a disabled notifier does nothing. */
  readonly enabled: boolean;
  /** Queues the event. Never throws: telling people must not fail the thing it tells about. */
  publish(event: NotifyEvent): Promise<void>;
}

/** A notifier that queues a `notify` job per event, or does nothing when `enabled` is false (no `SLACK_BOT_TOKEN`). */
export function createNotifier(deps: { queue: Pick<JobQueue, 'enqueue'>; log: Logger; enabled: boolean }): Notifier {
  return {
    enabled: deps.enabled,
    async publish(event) {
      if (!deps.enabled) return;
      try {
        await deps.queue.enqueue('notify', event);
      } catch (err) {
        deps.log.warn({ err, event }, 'notification not queued');
      }
    },
  };
}
