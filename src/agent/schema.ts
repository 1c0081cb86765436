/**
 * Glossary: an *agent run* is one pass of the diagnosis-and-remediation graph over an incident;
 * a *hypothesis* is one candidate cause with its class, confidence and evidence; an *option* is
 * an action some matching policy allows here (or a safe one that needs no policy); a *proposal*
 * is the option the run settles on; a *step* is one node of the graph or one tool call.
 */
import { z } from 'zod';
import { Action } from '../policies/action.ts';
import { Approval } from '../policies/schema.ts';

/** What kind of failure a hypothesis names. */
export const DiagnosisClass = z.enum([
  'network-transient', 'rate-limit', 'resource-exhausted', 'partial-input', 'code-bug', 'config-credentials', 'upstream-data', 'unknown',
]);
export type DiagnosisClass = z.infer<typeof DiagnosisClass>;

export const Hypothesis = z.strictObject({
  class: DiagnosisClass,
  confidence: z.number().min(0).max(1),
  /** What supports it: log lines, history, forecast; short, as people read them. */
  evidence: z.array(z.string().min(1).max(500)).min(1).max(6),
});
export type Hypothesis = z.infer<typeof Hypothesis>;

/**
 * What a model may propose: a closed union of action kinds. The parameters that matter (delays,
 * URLs, targets) are never the model's: they come from the policy that allows the action.
 */
export const ProposedAction = z.discriminatedUnion('kind', [
  // Not strict: a model that adds a URL or a target is not malformed, its extras are dropped.
  z.object({ kind: z.literal('retry') }),
  z.object({ kind: z.literal('rerun') }),
  z.object({ kind: z.literal('hold_downstream') }),
  z.object({ kind: z.literal('notify') }),
  z.object({ kind: z.literal('skip') }),
  z.object({ kind: z.literal('extend_deadline') }),
  z.object({ kind: z.literal('webhook') }),
  z.object({ kind: z.literal('none') }),
]);
export type ProposedAction = z.infer<typeof ProposedAction>;

/** The model's final answer, parsed by zod: anything else is malformed. */
export const ModelAnswer = z.strictObject({
  hypotheses: z.array(Hypothesis).min(1).max(3),
  proposal: z.strictObject({ action: ProposedAction, rationale: z.string().min(1).max(1_000) }),
});
export type ModelAnswer = z.infer<typeof ModelAnswer>;

/** An action the run may propose here, and why it may. */
export const Option = z.strictObject({
  action: Action,
  /** The enforcing policy that matched and allows it; null for the always-safe notify and hold_downstream. */
  policyId: z.string().nullable(),
  approval: Approval,
  /** Whether it waits for people: its policy gates it, or it is destructive. */
  gated: z.boolean(),
});
export type Option = z.infer<typeof Option>;

/** A policy that matched but whose action the run may not propose, and why. */
export const Excluded = z.strictObject({ policyId: z.string(), kind: z.string(), reason: z.string() });
export type Excluded = z.infer<typeof Excluded>;

export const Diagnosis = z.strictObject({
  hypotheses: z.array(Hypothesis).min(1).max(3),
  /** `planner` or the model's name. */
  by: z.string(),
  /** Why the planner decided when a model was configured (malformed twice, an error, a refusal). */
  fallback: z.string().nullable(),
});
export type Diagnosis = z.infer<typeof Diagnosis>;

export const Proposal = z.strictObject({
  option: Option,
  by: z.string(),
  rationale: z.string(),
});
export type Proposal = z.infer<typeof Proposal>;

/** Something the run refused: a tool outside its step's allowlist, an action no policy allows. */
export const Refusal = z.strictObject({ step: z.string(), what: z.string(), reason: z.string() });
export type Refusal = z.infer<typeof Refusal>;

/** How a run ended. */
export const Outcome = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('executed'), executionId: z.number(), state: z.string(), detail: z.string() }),
  z.strictObject({ kind: z.literal('notified'), detail: z.string() }),
  z.strictObject({ kind: z.literal('not_executed'), detail: z.string() }),
  z.strictObject({ kind: z.literal('rejected'), detail: z.string() }),
  z.strictObject({ kind: z.literal('escalated'), detail: z.string() }),
  z.strictObject({ kind: z.literal('failed'), detail: z.string() }),
]);
export type Outcome = z.infer<typeof Outcome>;

export const AgentRunStatus = z.enum(['running', 'awaiting_approval', 'done', 'escalated', 'failed']);
export type AgentRunStatus = z.infer<typeof AgentRunStatus>;

/** The limits of one run. */
export const Budget = z.strictObject({
  maxSteps: z.number().int().min(1),
  maxTokens: z.number().int().min(0),
  /** Wall time the run may think for, from its start. */
  wallMs: z.number().min(0),
  /** Why the wall time is what it is: configured, or cut to the SLA slack. */
  wallReason: z.string(),
});
export type Budget = z.infer<typeof Budget>;

export const Used = z.strictObject({
  steps: z.number().int().min(0),
  tokens: z.number().int().min(0),
  modelCalls: z.number().int().min(0),
  malformed: z.number().int().min(0),
});
export type Used = z.infer<typeof Used>;

export const NO_USE: Used = { steps: 0, tokens: 0, modelCalls: 0, malformed: 0 };

/** What the approval flow resumes a waiting run with; the run reads the approval's row again anyway. */
export const ResumeValue = z.strictObject({ approvalId: z.number().int().positive() });
export type ResumeValue = z.infer<typeof ResumeValue>;
