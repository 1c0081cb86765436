/**
 * What a node of the agent graph is: a small function of the state that returns a partial
 * update, with an account of itself for the audit log. The graph (`../graph.ts`) wraps each one
 * to time it, count its cost against the budget and record it.
 */
import type { AuditKind } from '../../approvals/schema.ts';
import type { StepRecord } from '../audit.ts';
import type { AgentDeps } from '../deps.ts';
import type { Refusal } from '../schema.ts';
import type { RunPatch } from '../sql.ts';
import type { State, Update } from '../state.ts';

export interface NodeResult {
  update: Update;
  record: Omit<StepRecord, 'step' | 'durationMs'>;
  /** What the node cost, added to the run's use. @defaultValue one step */
  cost?: { steps?: number; tokens?: number; modelCalls?: number; malformed?: number };
  /** Refusals to record, each as its own audit entry as well. */
  refused?: Refusal[];
  /** What else the run's row learns from this step. */
  patch?: RunPatch;
  /** @defaultValue agent.step */
  kind?: AuditKind;
}

export type Node = (deps: AgentDeps, s: State) => Promise<NodeResult>;

/** The guard's view of a state. */
export const guardOf = (s: Pick<State, 'proposal' | 'approval'>) => ({ proposal: s.proposal, approval: s.approval });
