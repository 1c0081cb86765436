import type { Config } from '../config.ts';
import type { Pool } from '../db/pool.ts';
import { openCheckpointer } from './checkpointer.ts';
import type { AgentKit } from './deps.ts';
import { createOpenAIChatModel, type ChatModel } from './model.ts';
import { loadPrompts } from './prompts.ts';

/** The model the config names (`MEDIC_AGENT_MODEL`, or `name` instead), or null: the planner decides. */
export function modelFor(config: Config, name?: string): ChatModel | null {
  const model = name ?? config.agent.model;
  const { baseURL, apiKey } = config.agent;
  if (!model) return null;
  if (!baseURL && !apiKey) throw new Error(`the model ${model} needs OPENAI_BASE_URL (a local server) or OPENAI_API_KEY`);
  return createOpenAIChatModel({ baseURL, apiKey: apiKey ?? 'unused', model });
}

/** The agent's kit: the checkpointer on `pool` (its tables set up unless told not to), the prompts of `promptsDir`, the configured model. */
export async function openAgentKit(config: Config, pool: Pool, store: 'postgres' | 'embedded', promptsDir: string, options: { setup?: boolean } = {}): Promise<AgentKit> {
  const [checkpointer, prompts] = await Promise.all([openCheckpointer(pool, store, options.setup ?? true), loadPrompts(promptsDir)]);
  return { checkpointer, prompts, model: modelFor(config) };
}
