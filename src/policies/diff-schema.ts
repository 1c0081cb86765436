/**
 * The report of `medic policies diff --format json`, documented by its schema (`--schema` prints
 * it as JSON Schema). Times are ISO 8601 strings in UTC. A field is added, never renamed, within
 * one `version`.
 */
import { z } from 'zod';
import { OUTCOMES } from './backtest-score.ts';
import { COUNTER_NAMES } from './diff-counters.ts';

const Count = z.number().int().min(0);
const Time = z.string();

/** One revision's decision about one failure. */
export const DiffSide = z.strictObject({
  action: z.string(),
  policy_id: z.string().nullable(),
  requires_approval: z.boolean(),
  /** The guardrail that replaced the policy's action (`budget`, `breaker` …), if one did. */
  guardrail: z.string().nullable(),
  /** Against how the incident ended: see `medic policies backtest`. */
  verdict: z.enum(['right', 'wrong', 'unscored']),
});

/** A failure the two revisions decide differently, with what happened after it. */
export const DecisionChange = z.strictObject({
  failed_at: Time,
  job: z.string(),
  run_key: z.string(),
  attempt: z.number().int().min(1),
  incident_id: z.number().int(),
  /** The failure's signature template (variable parts masked as `<*>`). */
  template: z.string(),
  base: DiffSide,
  head: DiffSide,
  /** What ended the incident, as the backtest reads it (`retry`: the run's own retry recovered it). */
  actual: z.enum(OUTCOMES),
  /** The run completed after this attempt failed. */
  run_recovered: z.boolean(),
  /** How the run's next attempt ended; null when none came. */
  next_attempt: z.string().nullable(),
  /** A service of the job missed its deadline in this run's instance; null when unknown. */
  sla_missed: z.boolean().nullable(),
  /** The counters this change adds to. */
  counters: z.array(z.enum(COUNTER_NAMES)),
});
export type DecisionChange = z.infer<typeof DecisionChange>;

/** What one revision decided over the whole window. */
export const RevisionSummary = z.strictObject({
  /** The folder, or `REF:path` for a git revision. */
  label: z.string(),
  /** The policy set's revision hash. */
  revision: z.string(),
  policies: Count,
  decisions_by_action: z.record(z.string(), Count),
  approvals: Count,
  right: Count,
  wrong: Count,
  /** Right out of scored; null when nothing could be scored. */
  agreement: z.number().nullable(),
});

export const GateResult = z.strictObject({
  expression: z.string(),
  counter: z.enum(COUNTER_NAMES),
  op: z.enum(['>', '>=', '<', '<=', '==', '!=']),
  value: z.number(),
  actual: Count,
  tripped: z.boolean(),
});
export type GateResult = z.infer<typeof GateResult>;

const Names = z.array(z.string());

export const PolicyDiff = z.strictObject({
  format: z.literal('medic-policies-diff'),
  version: z.literal(1),
  base: RevisionSummary,
  head: RevisionSummary,
  history: z.strictObject({
    /** `store`, or the history file's path. */
    origin: z.string(),
    anonymised: z.boolean(),
    /** Decisions are compared for failures at or after `since`; earlier ones only warm up the guardrails. */
    since: Time,
    /** What the history covers. */
    from: Time,
    until: Time,
    /** Failures compared. */
    cases: Count,
    first: Time.nullable(),
    last: Time.nullable(),
  }),
  /** Policies and incident classes the head adds, removes or changes, by id. */
  policies: z.strictObject({
    added: Names, removed: Names, changed: Names, unchanged: Count,
    classes: z.strictObject({ added: Names, removed: Names, changed: Names }),
  }),
  counters: z.record(z.enum(COUNTER_NAMES), Count),
  /** Changed actions, base → head, commonest first. */
  transitions: z.array(z.strictObject({ from: z.string(), to: z.string(), count: Count })),
  /** Every changed decision, in the order the failures happened. */
  changes: z.array(DecisionChange),
  /** A few changes worth reading, the most telling first. */
  examples: z.array(DecisionChange),
  /** The `--fail-if` thresholds and whether each tripped. */
  gates: z.array(GateResult),
  notes: z.array(z.string()),
});
export type PolicyDiff = z.infer<typeof PolicyDiff>;

/** The JSON Schema of the report. */
export function policyDiffJsonSchema(): Record<string, unknown> {
  return { ...z.toJSONSchema(PolicyDiff), title: 'Medic policy diff', description: 'What two policy revisions would have decided differently over the same history; see `medic policies diff`.' };
}

/** What `--format json` prints instead of a report when the revisions cannot be compared (exit 2). */
export const DiffError = z.strictObject({
  format: z.literal('medic-policies-diff'),
  version: z.literal(1),
  /** Why: no failures in the window, a history the change cannot reach, an unreadable file or policy folder. */
  error: z.string(),
});
