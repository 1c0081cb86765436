import type { Logger } from 'pino';
import type { AgentKit } from './agent/kit-type.ts';
import type { Config } from './config.ts';
import type { PreflightChecks } from './decide/context.ts';
import type { DecideCache } from './decide/cache.ts';
import type { DecisionLog } from './decide/log.ts';
import type { GuardFacts } from './decide/guard.ts';
import type { Pool } from './db/pool.ts';
import type { Metrics } from './http/metrics.ts';
import type { Notifier } from './notify/notifier.ts';
import type { PolicyStore } from './policies/store.ts';
import type { Remedy } from './remediation/executors.ts';
import type { JobQueue } from './queue/queue.ts';
import type { Embedder } from './signatures/embedder.ts';
import type { SignatureService } from './signatures/service.ts';
import type { SlackApi } from './slack/client.ts';
import type { Sources } from './sources/registry.ts';

/** Everything the app and the workers need, built once by the composition root and passed in. */
export interface Deps {
  config: Config;
  pool: Pool;
  /** Which store `pool` talks to. */
  store: 'postgres' | 'embedded';
  queue: JobQueue;
  log: Logger;
  metrics: Metrics;
  embedder: Embedder;
  signatures: SignatureService;
  /** The time now; tests pass a fixed clock. */
  clock: () => Date;
  /** The loaded policies. */
  policies: PolicyStore;
  /** Where every decision is appended. */
  decisionLog: DecisionLog;
  /** The input and upstream checks of a preflight. */
  preflightChecks: PreflightChecks;
  /** What the decision endpoint keeps between requests (evidence per signature, facts per job). */
  decideCache: DecideCache;
  /** The guardrails' counters in memory, kept current from the store (budgets in Redis when it is configured). */
  guard: GuardFacts;
  /** The pool the decision endpoint's lookups use: its own on a server, `pool` on the embedded store. */
  decidePool: Pool;
  /** The executors of `MEDIC_EXECUTORS`, with their dry runs and observation of targets. */
  remedy: Remedy;
  /** The orchestrators history is pulled from (`MEDIC_SOURCES`), with their pullers. */
  sources: Sources;
  /** The agent step: its checkpointer, prompts and model (none: the deterministic planner). */
  agent: AgentKit;
  /** Tells people what happened (a `notify` job per event); does nothing without Slack. */
  notifier: Notifier;
  /** Slack's Web API as the bot (`SLACK_BOT_TOKEN`); null when Slack is not configured. */
  slack: SlackApi | null;
}
