/**
 * What a policy can decide to do. Each action is one variant of a discriminated union on `kind`;
 * adding one means adding a variant here, its destructiveness below, and its executor.
 */
import { z } from 'zod';

const Seconds = z.number().int().min(0).max(7 * 86_400);
const Glob = z.string().min(1).max(500);

export const RetryAction = z.strictObject({
  kind: z.literal('retry'),
  /** Wait before the first retry. @defaultValue 60 */
  delay_s: Seconds.default(60),
  /** Each further retry waits `factor` times longer, up to `max_delay_s`. */
  backoff: z.strictObject({ factor: z.number().min(1).max(10).default(2), max_delay_s: Seconds.default(3_600) }).optional(),
  /** Retries Medic allows for one run; past it the policy no longer matches. @defaultValue 3 */
  max_attempts: z.number().int().min(1).max(20).default(3),
});

export const RerunAction = z.strictObject({
  kind: z.literal('rerun'),
  delay_s: Seconds.default(0),
  /** Rerun from this task of the run (its DAG, workflow or folder); the failed job when absent. */
  from_task: z.string().min(1).max(500).optional(),
  /** Clear the downstream tasks too. @defaultValue true */
  include_downstream: z.boolean().default(true),
});

export const HoldDownstreamAction = z.strictObject({
  kind: z.literal('hold_downstream'),
  /** Which downstream jobs to hold (globs); every downstream job when absent. */
  jobs: z.array(Glob).optional(),
  reason: z.string().max(500).optional(),
});

export const SkipAction = z.strictObject({
  kind: z.literal('skip'),
  /** Mark the run `success` (downstream proceeds) or `skipped`. @defaultValue skipped */
  mark: z.enum(['success', 'skipped']).default('skipped'),
});

export const ExtendDeadlineAction = z.strictObject({
  kind: z.literal('extend_deadline'),
  minutes: z.number().int().min(1).max(24 * 60),
});

export const NotifyAction = z.strictObject({
  kind: z.literal('notify'),
  /** Page the on-call (PagerDuty-style) rather than only post. @defaultValue false */
  page: z.boolean().default(false),
  severity: z.enum(['info', 'warning', 'critical']).default('warning'),
  /** Channel to post to; the service's channel when absent. */
  channel: z.string().min(1).max(200).optional(),
});

export const RunAgentAction = z.strictObject({
  kind: z.literal('run_agent'),
  /** The prompt (in `prompts/`) the agent starts from. @defaultValue diagnose */
  agent: z.string().min(1).max(100).default('diagnose'),
  max_steps: z.number().int().min(1).max(50).default(8),
});

export const WebhookAction = z.strictObject({
  kind: z.literal('webhook'),
  url: z.string().url(),
  /** Extra JSON merged into the signed body. */
  payload: z.record(z.string(), z.unknown()).default({}),
});

/** Preflight only: the job may start. */
export const GoAction = z.strictObject({ kind: z.literal('go') });

/** Preflight only: the job must wait. */
export const HoldAction = z.strictObject({ kind: z.literal('hold'), reason: z.string().max(500).optional() });

export const Action = z.discriminatedUnion('kind', [
  RetryAction, RerunAction, HoldDownstreamAction, SkipAction, ExtendDeadlineAction, NotifyAction, RunAgentAction, WebhookAction,
  GoAction, HoldAction,
]);
export type Action = z.infer<typeof Action>;
export type ActionKind = Action['kind'];

/**
 * Whether an action changes data or commitments in a way a retry does not: these are always
 * gated by an approval, whatever a policy says (the schema refuses them ungated).
 */
export function isDestructive(action: Pick<Action, 'kind'>): boolean {
  const kind = action.kind;
  switch (kind) {
    // A retry re-runs what failed; holding and notifying change nothing; an agent step only
    // diagnoses, and whatever it proposes is decided and gated on its own.
    case 'retry':
    case 'hold_downstream':
    case 'notify':
    case 'run_agent':
    case 'go':
    case 'hold':
      return false;
    // A rerun re-executes tasks that may have succeeded; skipping lets downstream run on what
    // is there; a deadline moves a commitment; a webhook does what Medic cannot see.
    case 'rerun':
    case 'skip':
    case 'extend_deadline':
    case 'webhook':
      return true;
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/** The wait before acting, in seconds, for the `attempt`-th failure of a run. */
export function delayOf(action: Action, attempt: number): number {
  if (action.kind === 'retry') {
    const b = action.backoff;
    return b ? Math.min(b.max_delay_s, Math.round(action.delay_s * b.factor ** Math.max(0, attempt - 1))) : action.delay_s;
  }
  return action.kind === 'rerun' ? action.delay_s : 0;
}

/** The actions that make sense for each kind of input. */
export const ACTIONS_FOR: Record<'failure' | 'preflight', readonly ActionKind[]> = {
  failure: ['retry', 'rerun', 'hold_downstream', 'skip', 'extend_deadline', 'notify', 'run_agent', 'webhook'],
  preflight: ['go', 'hold', 'hold_downstream', 'notify', 'webhook'],
};

/** "retry in 60 s", "rerun from extract_erp", "hold downstream". */
export function describeAction(a: Action): string {
  const delay = 'delay_s' in a && a.delay_s ? ` in ${a.delay_s} s` : '';
  switch (a.kind) {
    case 'retry': return `retry${delay}`;
    case 'rerun': return `rerun${a.from_task ? ` from ${a.from_task}` : ''}${a.include_downstream ? ' with downstream' : ''}${delay}`;
    default: return a.kind.replaceAll('_', ' ');
  }
}
