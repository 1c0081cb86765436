import type { BaseCheckpointSaver } from '@langchain/langgraph';
import type { ChatModel } from './model.ts';
import type { PromptSet } from './prompts.ts';

/** What the agent needs beyond the rest of Medic: where its graphs are checkpointed, its prompts, its model. */
export interface AgentKit {
  /**
   * LangGraph's Postgres saver on Medic's pool (either store), opened when a run first needs it:
   * a process that never runs the agent never loads LangGraph.
   */
  checkpointer(): Promise<BaseCheckpointSaver>;
  prompts: PromptSet;
  /** Null: the deterministic planner decides, offline. */
  model: ChatModel | null;
}
