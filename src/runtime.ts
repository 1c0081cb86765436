import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import type { Config } from './config.ts';
import { createDecideCache } from './decide/cache.ts';
import { createDecisionLog } from './decide/log.ts';
import { openGuard } from './decide/guard.ts';
import { createPreflightChecks } from './decide/preflight-checks.ts';
import { lockDataDir } from './db/embedded-lock.ts';
import { migrate, readMigrations } from './db/migrate.ts';
import { openDatabase, openSidePool } from './db/pool.ts';
import type { Deps } from './deps.ts';
import { createMetrics } from './http/metrics.ts';
import { openPolicyStore } from './policies/store.ts';
import { createRemedy } from './remediation/executors.ts';
import { defaultHttpDeps } from './remediation/http.ts';
import { pullerFor } from './sources/pullers.ts';
import { createSources } from './sources/registry.ts';
import { createInProcessQueue } from './queue/in-process.ts';
import { queueObserver } from './queue/observer.ts';
import { createNotifier } from './notify/notifier.ts';
import { openAgentKit } from './agent/kit.ts';
import { createHashingEmbedder, type Embedder } from './signatures/embedder.ts';
import { checkEmbedder } from './signatures/embedder-state.ts';
import { createOpenAIEmbedder } from './signatures/openai-embedder.ts';
import { createSignatureService } from './signatures/service.ts';
import { createSharedMiner } from './signatures/shared-miner.ts';
import { upgradeSignatures } from './incidents/upgrade-signatures.ts';

/** Where the numbered SQL migrations live, beside `src/`. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

/** The policies Medic ships with, beside `src/`; `MEDIC_POLICIES_DIR` names others. */
export const POLICIES_DIR = fileURLToPath(new URL('../policies', import.meta.url));

/** Example service definitions and payloads, beside `src/`; the demo applies them. */
export const EXAMPLES_DIR = fileURLToPath(new URL('../examples', import.meta.url));

/** The web console's own scripts and styles, beside `src/`. */
export const CONSOLE_DIR = fileURLToPath(new URL('../console', import.meta.url));

/** The agent's prompts, beside `src/`. */
export const PROMPTS_DIR = fileURLToPath(new URL('../prompts', import.meta.url));

export interface Runtime {
  deps: Deps;
  /** Releases everything in the reverse order it was acquired. */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  log?: Logger;
  /** Apply pending migrations on open. @defaultValue true */
  migrate?: boolean;
  /** Name of the BullMQ queue (tests keep theirs apart). @defaultValue `medic` */
  queueName?: string;
  /** Skip the embedder check (`medic reindex` is the cure, so it must open a stale store). */
  allowStaleEmbeddings?: boolean;
}

/** The embedder the config names. */
export function embedderFor(config: Config): Embedder {
  const e = config.embedder;
  return e.kind === 'openai'
    ? createOpenAIEmbedder({ baseURL: e.baseURL, apiKey: e.apiKey, model: e.model, dimensions: e.dimensions })
    : createHashingEmbedder(e.dimensions);
}

/** Acquires the store, the queue, the logger and the metrics; the one place that builds them. */
export async function openRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const log = options.log ?? pino({ level: config.logLevel });
  const releases: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const release of releases.reverse()) await release().catch((err: unknown) => log.error({ err }, 'release failed'));
  };
  try {
    if (!config.databaseUrl && !config.dataDir.startsWith('memory://')) releases.push(await lockDataDir(config.dataDir));
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    releases.push(() => db.close());
    if (options.migrate ?? true) {
      const result = await migrate(db.pool, await readMigrations(MIGRATIONS_DIR));
      if (result.applied.length) log.info({ applied: result.applied }, 'migrations applied');
      const upgrade = await upgradeSignatures(db.pool);
      if (upgrade.kind === 'upgraded') log.info(upgrade, 'signatures carried over to the current miner');
    }
    const metrics = createMetrics();
    // BullMQ and Slack's SDK load only where they are configured.
    const queue = config.redisUrl
      ? (await import('./queue/bullmq.ts')).createBullQueue({ redisUrl: config.redisUrl, name: options.queueName ?? config.queueName, prefix: config.queueName })
      : createInProcessQueue({ maxWaiting: config.queueMaxWaiting, observer: queueObserver(metrics, log.child({ component: 'queue' })) });
    releases.push(() => queue.close());
    const embedder = embedderFor(config);
    if (options.migrate ?? true) {
      const check = await checkEmbedder(db.pool, embedder);
      if (check.kind === 'stale' && !options.allowStaleEmbeddings) {
        throw new Error(`signature vectors were made by ${check.stored}, the configured embedder is ${check.current}: run \`medic reindex\``);
      }
    }
    // The active stored revision when there is one (read every few seconds), else the folder.
    const policies = await openPolicyStore(config.policiesDir ?? POLICIES_DIR, embedder, { pool: db.pool, log: log.child({ component: 'policies' }) });
    releases.push(async () => policies.close());
    // On a server, the decision endpoint gets pools of its own: its lookups must not queue behind
    // ingest, and its log writes must not queue behind its own lookups under load.
    const decidePool = config.databaseUrl ? openSidePool(config.databaseUrl, { max: 8, name: 'medic-decide', statementTimeoutMs: config.decideTimeoutMs * 2 }) : db.pool;
    const logPool = config.databaseUrl ? openSidePool(config.databaseUrl, { max: 2, name: 'medic-decision-log' }) : db.pool;
    if (decidePool !== db.pool) releases.push(() => decidePool.end());
    if (logPool !== db.pool) releases.push(() => logPool.end());
    const decisionLog = createDecisionLog(logPool);
    releases.push(() => decisionLog.close());
    const clock = () => new Date();
    // The main pool: loading the guardrails' window at start takes longer than a decision's lookups may.
    const guard = await openGuard({ pool: db.pool, log: log.child({ component: 'guard' }), clock, policies, redisUrl: config.redisUrl ?? null, redisPrefix: config.queueName });
    releases.push(() => guard.close());
    const slack = config.slack.botToken ? (await import('./slack/client.ts')).createSlackApi({ token: config.slack.botToken, apiUrl: config.slack.apiUrl, log: log.child({ component: 'slack' }) }) : null;
    const notifier = createNotifier({ queue, log, enabled: slack !== null });
    // The checkpoint tables are set up with the migrations: a store opened without them gets none.
    const agent = await openAgentKit(config, db.pool, db.kind, PROMPTS_DIR, { setup: options.migrate ?? true });
    const deps: Deps = {
      config, pool: db.pool, store: db.kind, queue, log, metrics, clock, guard,
      embedder, signatures: createSignatureService(createSharedMiner(db.pool)),
      policies, decisionLog, preflightChecks: createPreflightChecks(decidePool), decideCache: createDecideCache(), decidePool, remedy: createRemedy(config.executors, defaultHttpDeps()),
      sources: createSources(config.sources, defaultHttpDeps(), pullerFor),
      notifier, slack, agent,
    };
    return { deps, close };
  } catch (err) {
    await close();
    throw err;
  }
}
