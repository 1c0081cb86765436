/**
 * How `notify` jobs behave in a busy queue: which of them one waiting job may stand for, and which
 * a full queue may refuse.
 *
 * The handler (`src/slack/deliver.ts`) renders the subject as the rows stand when it runs; the
 * event's kind changes what it does in two ways only: whether it may start a message
 * (`startsMessage`), and, for `incident.opened`, whether the failure is history. So two events
 * about the same row that agree on both do exactly the same work, and a second job for them
 * while the first has not started adds nothing. Events that differ keep jobs of their own: a
 * waiting `sla_risk.cleared` must not swallow a `sla_risk.raised` that should post the message.
 */
import { startsMessage } from '../slack/subjects.ts';
import type { NotifyEvent } from './events.ts';

/** The row an event names (an execution's message is its incident's or approval's, known only from the rows). */
function rowOf(e: NotifyEvent): string {
  switch (e.kind) {
    case 'incident.opened':
    case 'incident.resolved':
      return `incident:${e.incidentId}`;
    case 'sla_risk.raised':
    case 'sla_risk.updated':
    case 'sla_risk.cleared':
      return `risk:${JSON.stringify([e.service, e.instance])}`;
    case 'approval.requested':
    case 'vote.recorded':
    case 'approval.lapsed':
      return `approval:${e.approvalId}`;
    case 'execution.done':
    case 'execution.failed':
    case 'execution.verified':
      return `execution:${e.executionId}`;
    default: {
      const never: never = e;
      return never;
    }
  }
}

/** The key under which waiting `notify` jobs are coalesced: the row the event names, and what it may do to the message. */
export function notifyCoalesceKey(e: NotifyEvent): string {
  const does = e.kind === 'incident.opened' ? 'opens' : startsMessage(e) ? 'starts' : 'updates';
  return `${rowOf(e)}:${does}`;
}

/**
 * What a full queue does with a `notify` job. One that may start a message is admitted: refused,
 * the message would never be posted (later events only update one), so nobody would be paged
 * about the incident or asked for the approval; there is at most one waiting per row, so they
 * are bounded by the rows. One that only updates a message is refused: the message stays as it
 * was until the subject's next event, which renders everything that happened meanwhile.
 */
export function notifyWhenFull(e: NotifyEvent): 'admit' | 'refuse' {
  return startsMessage(e) ? 'admit' : 'refuse';
}
