import { pullerFor } from '../../src/sources/pullers.ts';
import { createSources } from '../../src/sources/registry.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { createMetrics } from '../../src/http/metrics.ts';
import { createInProcessQueue } from '../../src/queue/in-process.ts';
import { createRemedy } from '../../src/remediation/executors.ts';
import { defaultHttpDeps } from '../../src/remediation/http.ts';
import type { JobQueue } from '../../src/queue/queue.ts';
import { createDecideCache } from '../../src/decide/cache.ts';
import { createDecisionLog } from '../../src/decide/log.ts';
import { memoryLedger } from '../../src/decide/budget-ledger.ts';
import { createGuardFacts, guardHorizonMs, replicaName } from '../../src/decide/guard.ts';
import { createGuardMemory } from '../../src/decide/guard-memory.ts';
import { createPreflightChecks } from '../../src/decide/preflight-checks.ts';
import { emptyPolicySet, fixedPolicyStore, type PolicyStore } from '../../src/policies/store.ts';
import { createHashingEmbedder } from '../../src/signatures/embedder.ts';
import { createSignatureService } from '../../src/signatures/service.ts';
import { createSharedMiner } from '../../src/signatures/shared-miner.ts';
import { createNotifier } from '../../src/notify/notifier.ts';
import { createSlackApi } from '../../src/slack/client.ts';
import type { AgentKit } from '../../src/agent/deps.ts';
import { offlineAgentKit } from './agent.ts';
import { recordSecrets, testLogger } from './secret-record.ts';
import type { TestDatabase } from './stores.ts';

/** A config as the environment would give it, with test-friendly defaults. */
export function testConfig(env: Record<string, string> = {}): Config {
  // Tests are about what is decided: a busy machine must not shed their decisions as overloaded.
  const config = loadConfig({ MEDIC_DATA_DIR: 'memory://', LOG_LEVEL: 'silent', MEDIC_DECIDE_SHED_AFTER_MS: '10000', ...env });
  recordSecrets(config);
  return config;
}

/** What a test may give its dependencies instead of the defaults of `testDeps`. */
export interface TestDepsOptions { config?: Config; queue?: JobQueue; clock?: () => Date; policies?: PolicyStore; agent?: AgentKit }

/** Dependencies over a test database; the queue is in-process unless one is given. */
export function testDeps(db: TestDatabase, overrides: TestDepsOptions = {}): Deps {
  const config = overrides.config ?? testConfig();
  // A config a test built by hand (spreading testConfig) has secrets testConfig did not see.
  recordSecrets(config);
  const queue = overrides.queue ?? createInProcessQueue();
  const log = testLogger();
  // Slack is on when the config names a bot token (tests point SLACK_API_URL at a local server).
  const slack = config.slack.botToken ? createSlackApi({ token: config.slack.botToken, apiUrl: config.slack.apiUrl, log }) : null;
  const clock = overrides.clock ?? (() => new Date());
  const policies = overrides.policies ?? fixedPolicyStore(emptyPolicySet());
  const memory = createGuardMemory();
  return {
    config,
    pool: db.pool,
    store: db.kind,
    queue,
    log,
    metrics: createMetrics(),
    clock,
    embedder: createHashingEmbedder(256),
    signatures: createSignatureService(createSharedMiner(db.pool)),
    policies,
    // Budgets in process (the Redis ledger has tests of its own); loaded on the first decision.
    guard: createGuardFacts({ pool: db.pool, memory, ledger: memoryLedger(memory), replica: replicaName(), log, clock, horizonMs: () => guardHorizonMs(policies.current().policies) }),
    // Every row is written at once: tests read the log right after deciding.
    decisionLog: createDecisionLog(db.pool, { maxWaitMs: 0 }),
    preflightChecks: createPreflightChecks(db.pool),
    decideCache: createDecideCache(),
    decidePool: db.pool,
    remedy: createRemedy(config.executors, defaultHttpDeps()),
    sources: createSources(config.sources, defaultHttpDeps(), pullerFor),
    notifier: createNotifier({ queue, log, enabled: slack !== null }),
    slack,
    agent: overrides.agent ?? offlineAgentKit(),
  };
}

/** Path to the shared reference data, read in place. */
export function sharedData(...parts: string[]): string {
  return new URL(`../../../shared/data/${parts.join('/')}`, import.meta.url).pathname;
}
