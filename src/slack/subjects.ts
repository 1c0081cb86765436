/**
 * What a message is about (its subject) and where it goes. An incident's approvals and
 * executions belong to the incident's message; an approval without an incident has its own;
 * each SLA risk of a service instance has its own.
 */
import type { Config } from '../config.ts';
import type { Queryable } from '../db/pool.ts';
import { servicesOfJob } from '../decide/sql.ts';
import type { NotifyEvent } from '../notify/events.ts';
import { ownerOfApproval, ownerOfExecution, serviceChannels } from './sql.ts';

export type Subject =
  | { kind: 'incident'; incidentId: number }
  | { kind: 'approval'; approvalId: number }
  | { kind: 'risk'; service: string; instance: string };

/** The key of the subject's row in `slack_messages`. */
export function subjectKey(s: Subject): string {
  switch (s.kind) {
    case 'incident': return `incident:${s.incidentId}`;
    case 'approval': return `approval:${s.approvalId}`;
    case 'risk': return `risk:${s.service}:${s.instance}`;
    default: {
      const never: never = s;
      return never;
    }
  }
}

const ofOwner = (o: { incident_id: number | null; approval_id: number | null } | undefined): Subject | undefined =>
  o?.incident_id ? { kind: 'incident', incidentId: o.incident_id } : o?.approval_id ? { kind: 'approval', approvalId: o.approval_id } : undefined;

/** The subject an event is about; undefined when its row is gone. */
export async function subjectOf(db: Queryable, e: NotifyEvent): Promise<Subject | undefined> {
  switch (e.kind) {
    case 'incident.opened':
    case 'incident.resolved':
      return { kind: 'incident', incidentId: e.incidentId };
    case 'sla_risk.raised':
    case 'sla_risk.updated':
    case 'sla_risk.cleared':
      return { kind: 'risk', service: e.service, instance: e.instance };
    case 'approval.requested':
    case 'vote.recorded':
    case 'approval.lapsed':
      return ofOwner(await ownerOfApproval(db, e.approvalId));
    case 'execution.done':
    case 'execution.failed':
    case 'execution.verified':
      return ofOwner(await ownerOfExecution(db, e.executionId));
    default: {
      const never: never = e;
      return never;
    }
  }
}

/**
 * Whether the event may start a message. Later events only update one: a vote on a request
 * nobody was told about, or an incident resolved before it was posted, is not news.
 */
export function startsMessage(e: NotifyEvent): boolean {
  return e.kind === 'incident.opened' || e.kind === 'approval.requested' || e.kind === 'sla_risk.raised' || e.kind === 'sla_risk.updated';
}

/**
 * Where the services' messages go: the first service with a channel in `SLACK_CHANNELS`, else
 * in its definition, else `SLACK_DEFAULT_CHANNEL`; undefined when none is configured.
 */
export async function channelOfServices(db: Queryable, slack: Config['slack'], services: string[]): Promise<string | undefined> {
  const configured = services.map((s) => slack.channels[s]).find((c) => c !== undefined);
  if (configured) return configured;
  const own = await serviceChannels(db, services);
  return services.map((s) => own.get(s)).find((c) => c !== undefined) ?? slack.defaultChannel;
}

/** The channel of a job's messages: that of the services it belongs to. */
export async function channelOfJob(db: Queryable, slack: Config['slack'], job: string): Promise<string | undefined> {
  return channelOfServices(db, slack, (await servicesOfJob(db, job)).map((s) => s.name));
}
