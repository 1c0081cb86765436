/**
 * Policy test cases, kept beside the policies in `*.test.yaml`: an input as the decision endpoint
 * takes it, what Medic would know around it (`given`), and what the policies must decide
 * (`expect`). `medic policies test` runs them without a store.
 */
import { z } from 'zod';
import { DecisionInput } from '../decide/schema.ts';
import type { GuardrailTrip } from './guardrails.ts';
import { Action, type ActionKind } from './action.ts';

const Instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const Pattern = z.string().min(1).max(1_000).superRefine((p, ctx) => {
  try {
    new RegExp(p, 'i');
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `is not a valid regular expression: ${(err as Error).message}` });
  }
});

const kinds = Action.options.map((o) => o.shape.kind.value);
export const ActionKindName = z.enum(kinds as [ActionKind, ...ActionKind[]]);
const trips = ['maintenance', 'breaker', 'budget', 'sla'] as const satisfies readonly GuardrailTrip['kind'][];

/** What fixed failures of this signature before, per action. */
export const GivenFix = z.strictObject({
  action: z.string().min(1).max(100),
  successes: z.number().int().min(0),
  attempts: z.number().int().min(0),
  median_ttr_min: z.number().min(0).optional(),
}).refine((f) => f.successes <= f.attempts, { message: 'successes cannot exceed attempts', path: ['successes'] });

/** A service the job belongs to; with `deadline`, `p_breach` and `eta_p50` it has a forecast. */
export const GivenService = z.strictObject({
  name: z.string().min(1).max(200),
  title: z.string().max(500).optional(),
  /** @defaultValue medium */
  criticality: z.string().min(1).max(50).default('medium'),
  deadline: Instant.optional(),
  p_breach: z.number().min(0).max(1).optional(),
  eta_p50: Instant.optional(),
  /** Minutes between the median ETA and the deadline when absent. */
  slack_min: z.number().optional(),
  /** When the forecast expected this job to end. */
  job_end: Instant.optional(),
  downstream: z.array(z.strictObject({
    service: z.string().min(1).max(200),
    deadline: Instant.optional(),
    median_lag_min: z.number().min(0).optional(),
  })).default([]),
}).superRefine((s, ctx) => {
  const given = [s.deadline, s.p_breach, s.eta_p50].filter((x) => x !== undefined).length;
  if (given !== 0 && given !== 3) ctx.addIssue({ code: 'custom', message: 'a forecast needs deadline, p_breach and eta_p50 together (or none of them)' });
});
export type GivenService = z.infer<typeof GivenService>;

/** A preflight check: an input's size (judged by Medic's own test on `rows` against `history`, or a `verdict`), or an upstream's state. */
export const GivenCheck = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('input'),
    dataset: z.string().min(1).max(2_000),
    rows: z.number().int().min(0).nullable().optional(),
    /** Recent sizes of the dataset, newest first. */
    history: z.array(z.number().min(0)).optional(),
    verdict: z.enum(['ok', 'short', 'unknown']).optional(),
    detail: z.string().max(2_000).optional(),
  }).superRefine((c, ctx) => {
    if (c.verdict === undefined && (c.rows === undefined || c.history === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give rows and history (Medic judges them) or a verdict' });
    }
  }),
  z.strictObject({
    kind: z.literal('upstream'),
    job: z.string().min(1).max(1_500),
    verdict: z.enum(['ok', 'failed', 'running', 'stale']),
    detail: z.string().max(2_000).optional(),
  }),
]);
export type GivenCheck = z.infer<typeof GivenCheck>;

/** What Medic would know around the input; everything defaults to "nothing". */
export const Given = z.strictObject({
  /** The time of the decision. @defaultValue the input's `time`, else 2026-01-05T12:00:00Z (a Monday) */
  now: Instant.optional(),
  fixes: z.array(GivenFix).default([]),
  /** Failures of this signature in the breaker window: a count, or when, in minutes ago. */
  recent_failures: z.union([z.number().int().min(0).max(100_000), z.array(z.number().min(0))]).optional(),
  /** Decisions each budgeted policy has already taken under this input's budget key. */
  budget_used: z.record(z.string(), z.number().int().min(0)).default({}),
  /** Similarity to incident classes, over what Medic computes from the examples. */
  classes: z.record(z.string(), z.number().min(0).max(1)).default({}),
  services: z.array(GivenService).default([]),
  checks: z.array(GivenCheck).default([]),
  /** The job's median successful run time, for what a retry costs. @defaultValue unknown (10 min) */
  job_median_min: z.number().positive().optional(),
});
export type Given = z.infer<typeof Given>;

/** What the decision must be; only the fields given are compared. */
export const Expect = z.strictObject({
  action: ActionKindName.optional(),
  policy_id: z.string().min(1).nullable().optional(),
  delay_s: z.number().int().min(0).optional(),
  requires_approval: z.boolean().optional(),
  guardrail: z.enum(trips).nullable().optional(),
  /** What the matched policy wanted, when a guardrail replaced it. */
  proposed: ActionKindName.nullable().optional(),
  /** The shadow policies reported beside the decision, in any order. */
  shadow: z.array(z.string().min(1)).optional(),
  /** A regular expression (case-insensitive) the reason must match. */
  reason_matches: Pattern.optional(),
}).refine((e) => Object.keys(e).length > 0, { message: 'expect at least one of action, policy_id, delay_s, requires_approval, guardrail, proposed, shadow, reason_matches' });
export type Expect = z.infer<typeof Expect>;

export const PolicyCase = z.strictObject({
  name: z.string().min(1).max(500),
  input: DecisionInput,
  given: Given.prefault({}),
  expect: Expect,
}).superRefine((c, ctx) => {
  const failureOnly = (['fixes', 'recent_failures', 'job_median_min'] as const).filter((k) => {
    const v = c.given[k];
    return Array.isArray(v) ? v.length > 0 : v !== undefined;
  });
  if (c.input.kind === 'preflight') {
    for (const k of failureOnly) ctx.addIssue({ code: 'custom', path: ['given', k], message: `${k} applies to failure cases only` });
  } else if (c.given.checks.length > 0) {
    ctx.addIssue({ code: 'custom', path: ['given', 'checks'], message: 'checks apply to preflight cases only' });
  }
});
export type PolicyCase = z.infer<typeof PolicyCase>;

/** The policy ids and class names a case file may refer to. */
export interface KnownNames {
  policies: readonly string[];
  classes: readonly string[];
}

/**
 * A case file's schema; with the names of a policy set it also refuses names that set does not
 * have (a typo in `expect.policy_id` would otherwise make a case that can never pass) and case
 * names used twice.
 */
export function caseFileSchema(known: KnownNames | null) {
  return z.strictObject({ cases: z.array(PolicyCase).min(1) }).superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.cases.forEach((c, i) => {
      if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: ['cases', i, 'name'], message: `another case is named "${c.name}"` });
      seen.add(c.name);
      if (!known) return;
      const policy = (id: string, path: (string | number)[]) => {
        if (!known.policies.includes(id)) ctx.addIssue({ code: 'custom', path: ['cases', i, ...path], message: `no policy with id "${id}"` });
      };
      if (typeof c.expect.policy_id === 'string') policy(c.expect.policy_id, ['expect', 'policy_id']);
      c.expect.shadow?.forEach((id, k) => policy(id, ['expect', 'shadow', k]));
      for (const id of Object.keys(c.given.budget_used)) policy(id, ['given', 'budget_used', id]);
      for (const name of Object.keys(c.given.classes)) {
        if (!known.classes.includes(name)) ctx.addIssue({ code: 'custom', path: ['cases', i, 'given', 'classes', name], message: `no incident class named "${name}"` });
      }
    });
  });
}
export type CaseFile = z.infer<ReturnType<typeof caseFileSchema>>;
