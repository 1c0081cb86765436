/**
 * The state of one agent run, as a schema: what LangGraph checkpoints after every node, so a run
 * survives restarts and resumes days later. JSON only; every log text in it is masked already.
 */
import { ReducedValue, StateSchema } from '@langchain/langgraph';
import { z } from 'zod';
import { Facts } from './facts.ts';
import { ChatMessage } from './model.ts';
import { Budget, Diagnosis, Excluded, NO_USE, Option, Outcome, Proposal, ProposedAction, Refusal, Used } from './schema.ts';

export const SubjectState = z.strictObject({
  incidentId: z.number(), signatureId: z.number(), openedAt: z.string(), runId: z.number(), attempt: z.number(), runKey: z.string(),
  jobId: z.number(), namespace: z.string(), name: z.string(), source: z.string(), orchestrator: z.string(),
});

const appended = <T extends z.ZodType>(item: T) => new ReducedValue(z.array(item).default(() => []), {
  inputSchema: z.array(item),
  reducer: (current: z.infer<T>[], next: z.infer<T>[]) => [...current, ...next],
});

export const AgentState = new StateSchema({
  agentRunId: z.number(),
  /** `agent:<prompt>#<run id>`: the actor of every step, the requester of its approvals. */
  actor: z.string(),
  agent: z.string(),
  subject: SubjectState,
  maxSteps: z.number(),
  /** When the run began thinking (ms since the epoch): the wall-time budget counts from here. */
  startedAt: z.number(),
  /** The boundary of this run's data blocks (see `asData`). */
  boundary: z.string(),
  budget: Budget.nullable().default(null),
  facts: Facts.nullable().default(null),
  options: z.array(Option).default(() => []),
  excluded: z.array(Excluded).default(() => []),
  messages: appended(ChatMessage),
  used: Used.default(NO_USE),
  diagnosis: Diagnosis.nullable().default(null),
  /** What the model proposed, as it said it: checked against `options` by the propose step. */
  modelProposal: z.strictObject({ action: ProposedAction, rationale: z.string() }).nullable().default(null),
  proposal: Proposal.nullable().default(null),
  refusals: appended(Refusal),
  decisionId: z.string().nullable().default(null),
  approval: z.strictObject({ id: z.number(), status: z.string() }).nullable().default(null),
  outcome: Outcome.nullable().default(null),
  /** Why the run stopped thinking (a budget), when it did. */
  stop: z.string().nullable().default(null),
});

export type State = typeof AgentState.State;
export type Update = typeof AgentState.Update;

/** The tool calls the model asked for in its last message, if that is what it did. */
export function pendingCalls(s: Pick<State, 'messages'>): { id: string; name: string; arguments: string }[] {
  const last = s.messages.at(-1);
  return last?.role === 'assistant' ? last.tool_calls : [];
}
