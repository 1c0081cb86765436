/**
 * When a policy applies. Every field is optional and every given field must hold: an empty match
 * applies to every input of its kind.
 */
import { z } from 'zod';
import { TimeZone } from '../time-zone.ts';

const Glob = z.string().min(1).max(500);
const Clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM, e.g. 06:00');
const ClockEnd = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be HH:MM (24:00 for the end of the day)');
export const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

/** A recurring stretch of local time: days of the week and a clock range (which may cross midnight). */
export const TimeWindow = z.strictObject({
  days: z.array(Weekday).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']),
  from: Clock.default('00:00'),
  to: ClockEnd.default('24:00'),
  timeZone: TimeZone.default('UTC'),
});
export type TimeWindow = z.infer<typeof TimeWindow>;

/** A regular expression given as text; refused at load time when it does not compile. */
const Pattern = z.string().min(1).max(1_000).superRefine((p, ctx) => {
  try {
    new RegExp(p, 'i');
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `is not a valid regular expression: ${(err as Error).message}` });
  }
});

export const SignatureMatch = z.strictObject({
  /** Signature ids as Medic stored them. */
  ids: z.array(z.number().int().positive()).min(1).optional(),
  /** A regular expression (case-insensitive) over the masked template. */
  template: Pattern.optional(),
  /** Exception types, as globs (`*TimeoutError`). */
  exception: z.array(Glob).min(1).optional(),
  /** Similarity (cosine of the embeddings) to one of the named incident classes' examples. */
  similar_to: z.strictObject({ class: z.string().min(1), min_similarity: z.number().min(0).max(1).default(0.85) }).optional(),
});

export const Match = z.strictObject({
  /** Source instance names (`airflow-prod`), as globs. */
  sources: z.array(Glob).min(1).optional(),
  orchestrators: z.array(z.enum(['openlineage', 'airflow', 'argo', 'controlm', 'generic'])).min(1).optional(),
  /** Jobs as `namespace/name` globs. */
  jobs: z.array(Glob).min(1).optional(),
  /** Services (by name, as globs) the job belongs to. */
  services: z.array(Glob).min(1).optional(),
  signature: SignatureMatch.optional(),
  /** Which attempt of the run just failed (1 = the first). */
  attempt: z.strictObject({ min: z.number().int().min(1).optional(), max: z.number().int().min(1).optional() }).optional(),
  /** Applies only inside one of these windows. */
  when: z.array(TimeWindow).min(1).optional(),
  /** The latest forecast of a service the job belongs to. */
  sla: z.strictObject({
    p_breach_at_least: z.number().min(0).max(1).optional(),
    slack_minutes_below: z.number().optional(),
  }).optional(),
  /** Preflight: whether Medic's input and upstream checks `failed` (one or more) or all `passed`. */
  checks: z.enum(['failed', 'passed']).optional(),
  /** What history says of an action on this signature: its success rate over enough attempts. */
  success_rate: z.strictObject({
    action: z.string().min(1),
    at_least: z.number().min(0).max(1).optional(),
    below: z.number().min(0).max(1).optional(),
    min_attempts: z.number().int().min(1).default(3),
  }).optional(),
});
export type Match = z.infer<typeof Match>;
