/**
 * What the agent tests share: the shipped prompts (read once, synchronously, for `testDeps`), an
 * agent kit on a test database (the Postgres checkpointer, and a model on a local server), and
 * a scripted OpenAI-compatible server.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemorySaver } from '@langchain/langgraph';
import { openCheckpointer } from '../../src/agent/checkpointer.ts';
import type { AgentKit } from '../../src/agent/deps.ts';
import { createOpenAIChatModel } from '../../src/agent/model.ts';
import { parsePrompts, type PromptSet } from '../../src/agent/prompts.ts';
import { PROMPTS_DIR } from '../../src/runtime.ts';
import { recordSecretList } from './secret-record.ts';
import type { TestDatabase } from './stores.ts';

let shipped: PromptSet | undefined;

/** The prompts in `prompts/`, as Medic loads them. */
export function shippedPrompts(): PromptSet {
  shipped ??= parsePrompts(readdirSync(PROMPTS_DIR).filter((n) => n.endsWith('.md')).map((name) => ({ name, text: readFileSync(join(PROMPTS_DIR, name), 'utf8') })));
  return shipped;
}

/** A kit for tests that do not run the agent: in-memory checkpoints, no model. */
export function offlineAgentKit(): AgentKit {
  const saver = new MemorySaver();
  return { checkpointer: async () => saver, prompts: shippedPrompts(), model: null };
}

/** A kit on the test database's Postgres checkpointer; with `modelUrl`, a model on that OpenAI-compatible server. */
export async function agentKit(db: TestDatabase, modelUrl?: string): Promise<AgentKit> {
  const saver = await openCheckpointer(db.pool, db.kind);
  const apiKey = 'sk-test-key-not-a-secret';
  recordSecretList([{ name: 'OPENAI_API_KEY', value: apiKey }]);
  return {
    checkpointer: async () => saver,
    prompts: shippedPrompts(),
    model: modelUrl ? createOpenAIChatModel({ baseURL: modelUrl, apiKey, model: 'scripted' }) : null,
  };
}

/** The policies the agent tests run under: a gated rerun for partial input, an ungated retry for a refused connection, people for the rest. */
export const AGENT_POLICIES = `
policies:
  - id: partial-input-rerun
    description: A job ran on partial input; rerun it with the data on-call's approval.
    priority: 80
    match: { signature: { template: "(partial|incomplete|rows expected|reconciliation mismatch)" } }
    action: { kind: rerun, include_downstream: true }
    approval: { kind: one_of, groups: [data-oncall], separation_of_duties: true }
  - id: warehouse-retry
    description: The warehouse refuses connections while it fails over; retry at once.
    priority: 100
    match: { signature: { template: "could not connect" } }
    action: { kind: retry, delay_s: 0, max_attempts: 5 }
  - id: resource-exhausted-diagnose
    description: Out of memory; an agent step looks first.
    priority: 5
    match: { signature: { template: "(out of memory|oomkilled)" } }
    action: { kind: run_agent, agent: diagnose, max_steps: 8 }
  - id: unknown-failure-escalate
    description: No rule for this failure; people decide.
    priority: -1000
    action: { kind: notify, severity: warning }
`;
