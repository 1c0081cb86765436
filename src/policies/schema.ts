/**
 * Glossary: a *policy* is a versioned rule — match → action, with an approval requirement and
 * guardrails; a *decision* is one evaluation of the loaded policies for one input; an *incident
 * class* is a named kind of failure given by example messages, matched by similarity.
 */
import { z } from 'zod';
import { Action, ACTIONS_FOR, isDestructive } from './action.ts';
import { Match, TimeWindow } from './match.ts';

const Id = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'must be lowercase letters, digits, ., - and _');
const Group = z.string().min(1).max(200);

/** Who must say yes before the action runs. */
export const Approval = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({
    kind: z.literal('one_of'),
    /** Groups (or roles) whose members may approve. */
    groups: z.array(Group).min(1),
    /** The requester (the proposing person or agent) may not approve. @defaultValue true */
    separation_of_duties: z.boolean().default(true),
  }),
  z.strictObject({
    kind: z.literal('quorum'),
    groups: z.array(Group).min(1),
    /** Distinct approvers needed. */
    count: z.number().int().min(2).max(10),
    separation_of_duties: z.boolean().default(true),
  }),
]);
export type Approval = z.infer<typeof Approval>;

/** Limits that hold whatever the match says. */
export const Guardrails = z.strictObject({
  /** At most `max` decisions of this policy per signature, job or target in the window; past it, escalate. */
  budget: z.strictObject({
    max: z.number().int().min(1),
    per: z.enum(['signature', 'job', 'target', 'policy']).default('signature'),
    window_minutes: z.number().int().min(1).max(7 * 24 * 60).default(60),
  }).optional(),
  /** A failure storm: `failures` of one signature within `within_minutes` → hold downstream, one incident, no more retries. */
  breaker: z.strictObject({
    failures: z.number().int().min(2).max(1_000),
    within_minutes: z.number().int().min(1).max(24 * 60),
  }).optional(),
  /** Inside these windows nothing is done automatically: the decision is to hold and tell people. */
  maintenance: z.array(TimeWindow).min(1).optional(),
});
export type Guardrails = z.infer<typeof Guardrails>;

export const Policy = z.strictObject({
  id: Id,
  description: z.string().min(1).max(2_000),
  /** Higher goes first; the first match wins. @defaultValue 0 */
  priority: z.number().int().min(-1_000_000).max(1_000_000).default(0),
  /** `shadow`: evaluated and logged beside the real decision, never acted on. @defaultValue enforce */
  mode: z.enum(['enforce', 'shadow']).default('enforce'),
  /** What the policy decides on: a failure, or whether a job may start. @defaultValue failure */
  on: z.enum(['failure', 'preflight']).default('failure'),
  match: Match.default({}),
  action: Action,
  approval: Approval.default({ kind: 'none' }),
  guardrails: Guardrails.default({}),
}).superRefine((p, ctx) => {
  if (!ACTIONS_FOR[p.on].includes(p.action.kind)) {
    ctx.addIssue({ code: 'custom', path: ['action', 'kind'], message: `${p.action.kind} is not an action for ${p.on} decisions; use one of ${ACTIONS_FOR[p.on].join(', ')}` });
  }
  if (isDestructive(p.action) && p.approval.kind === 'none') {
    ctx.addIssue({ code: 'custom', path: ['approval'], message: `a ${p.action.kind} action changes data or commitments and must be gated: give an approval other than none` });
  }
});
export type Policy = z.infer<typeof Policy>;

/** A named kind of failure, given by examples; `match.signature.similar_to` refers to it. */
export const IncidentClass = z.strictObject({
  name: Id,
  description: z.string().max(2_000).optional(),
  examples: z.array(z.string().min(1).max(10_000)).min(1),
});
export type IncidentClass = z.infer<typeof IncidentClass>;

/** One policy file: policies and incident classes, either or both. */
export const PolicyFile = z.strictObject({
  policies: z.array(Policy).default([]),
  classes: z.array(IncidentClass).default([]),
});
export type PolicyFile = z.infer<typeof PolicyFile>;
