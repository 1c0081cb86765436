/**
 * What Medic tells people about, as the `notify` job carries it: ids only. The handler re-reads
 * the rows, so a late or repeated event shows what is true when it runs, never what was true
 * when it was queued.
 */
import { z } from 'zod';

const Id = z.number().int().positive();
const RiskKey = { service: z.string().min(1).max(200), instance: z.string().min(1).max(500) };

export const NotifyEvent = z.discriminatedUnion('kind', [
  /** A failure opened a new incident. */
  z.object({ kind: z.literal('incident.opened'), incidentId: Id }),
  /** An incident ended: by Medic's verified action, the orchestrator's own retry, or a person. */
  z.object({ kind: z.literal('incident.resolved'), incidentId: Id }),
  /** The forecast sweep raised, updated or cleared the SLA risk of a service instance. */
  z.object({ kind: z.literal('sla_risk.raised'), ...RiskKey }),
  z.object({ kind: z.literal('sla_risk.updated'), ...RiskKey }),
  z.object({ kind: z.literal('sla_risk.cleared'), ...RiskKey }),
  /** A gated decision asks people to allow its action. */
  z.object({ kind: z.literal('approval.requested'), approvalId: Id }),
  /** Someone voted (the request may now be decided). */
  z.object({ kind: z.literal('vote.recorded'), approvalId: Id }),
  /** A request ran out of time (expired or escalated) or became moot. */
  z.object({ kind: z.literal('approval.lapsed'), approvalId: Id }),
  z.object({ kind: z.literal('execution.done'), executionId: Id }),
  z.object({ kind: z.literal('execution.failed'), executionId: Id }),
  /** The target's next attempt (or its silence) judged an execution. */
  z.object({ kind: z.literal('execution.verified'), executionId: Id }),
]);
export type NotifyEvent = z.infer<typeof NotifyEvent>;
