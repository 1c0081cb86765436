import type { Config } from '../config.ts';
import type { Pool } from '../db/pool.ts';
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

/**
 * The agent's kit: the checkpointer on `pool` (its tables set up, unless told not to, when the
 * first run opens it), the prompts of `promptsDir`, the configured model.
 */
export async function openAgentKit(config: Config, pool: Pool, store: 'postgres' | 'embedded', promptsDir: string, options: { setup?: boolean } = {}): Promise<AgentKit> {
  let saver: ReturnType<AgentKit['checkpointer']> | undefined;
  const checkpointer = () => {
    if (!saver) {
      saver = import('./checkpointer.ts').then((m) => m.openCheckpointer(pool, store, options.setup ?? true));
      // A failed open is tried again by the next run rather than remembered.
      saver.catch(() => { saver = undefined; });
    }
    return saver;
  };
  return { checkpointer, prompts: await loadPrompts(promptsDir), model: modelFor(config) };
}
