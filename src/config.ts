import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Approver } from './approvals/schema.ts';
import { parseExecutorConnections, type ExecutorConnection } from './remediation/config.ts';
import { defaultSecretReader, parseSources, type SourceConfig } from './sources/config.ts';
import { isTimeZone } from './time-zone.ts';

/** An API token and what it may do. */
export const Scope = z.enum(['ingest', 'read', 'decide', 'approve', 'admin']);
export type Scope = z.infer<typeof Scope>;

export const TokenGrant = z.object({
  name: z.string().min(1),
  token: z.string().min(16, 'tokens must be at least 16 characters'),
  scopes: z.array(Scope).min(1),
  /** Requests a minute this token may make; `MEDIC_RATE_LIMIT_PER_MINUTE` when absent. */
  rate_per_minute: z.number().int().min(1).max(10_000_000).optional(),
});
export type TokenGrant = z.infer<typeof TokenGrant>;

const jsonArray = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
    return z.NEVER;
  }
});

const Env = z.object({
  HOST: z.string().min(1).optional(),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8787),
  DATABASE_URL: z.string().url().optional(),
  MEDIC_DATA_DIR: z.string().min(1).default('./.medic'),
  REDIS_URL: z.string().url().optional(),
  MEDIC_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  MEDIC_TOKENS: jsonArray.pipe(z.array(TokenGrant)).optional(),
  MEDIC_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(10_000_000).default(60_000),
  MEDIC_BODY_LIMIT: z.coerce.number().int().min(1024).default(10 * 1024 * 1024),
  MEDIC_TIME_ZONE: z.string().min(1).default('UTC'),
  MEDIC_QUEUE_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  MEDIC_QUEUE_MAX_WAITING: z.coerce.number().int().min(1).max(10_000_000).default(10_000),
  MEDIC_EMBEDDER: z.enum(['hashing', 'openai']).default('hashing'),
  MEDIC_EMBEDDING_MODEL: z.string().min(1).default('text-embedding-3-small'),
  MEDIC_EMBEDDING_DIMENSIONS: z.coerce.number().int().min(8).max(2_000).default(256),
  OPENAI_BASE_URL: z.string().url().optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  MEDIC_AGENT_MODEL: z.string().min(1).max(200).optional(),
  MEDIC_AGENT_MAX_TOKENS: z.coerce.number().int().min(0).max(10_000_000).default(30_000),
  MEDIC_AGENT_MAX_WALL_SECONDS: z.coerce.number().min(0).max(24 * 3600).default(300),
  MEDIC_AGENT_MODEL_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(600).default(30),
  MEDIC_STORM_WINDOW_MINUTES: z.coerce.number().min(0).max(1_440).default(15),
  MEDIC_POLICIES_DIR: z.string().min(1).optional(),
  MEDIC_DECIDE_TIMEOUT_MS: z.coerce.number().int().min(1).max(60_000).default(200),
  MEDIC_DECIDE_MAX_WAITING: z.coerce.number().int().min(0).max(100_000).default(64),
  MEDIC_DECIDE_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(100_000).default(256),
  MEDIC_DECIDE_SHED_AFTER_MS: z.coerce.number().int().min(1).max(60_000).default(20),
  MEDIC_DECIDE_WARM_SIGNATURES: z.coerce.number().int().min(0).max(1_000_000).default(20_000),
  MEDIC_SAFE_DEFAULT_FAILURE: z.enum(['notify', 'hold_downstream']).default('notify'),
  MEDIC_SAFE_DEFAULT_PREFLIGHT: z.enum(['go', 'hold']).default('go'),
  MEDIC_APPROVERS: jsonArray.pipe(z.array(Approver)).optional(),
  MEDIC_APPROVAL_TTL_MINUTES: z.coerce.number().int().min(1).max(7 * 24 * 60).default(60),
  MEDIC_HEAL: z.enum(['off', 'shadow', 'on']).default('shadow'),
  MEDIC_HEAL_MAX_AGE_MINUTES: z.coerce.number().min(0).max(7 * 24 * 60).default(60),
  MEDIC_EXECUTORS: z.string().optional(),
  MEDIC_SOURCES: z.string().optional(),
  MEDIC_SOURCES_FILE: z.string().min(1).optional(),
  MEDIC_EXECUTION_LEASE_SECONDS: z.coerce.number().min(0.5).max(3_600).default(60),
  MEDIC_HEAL_SWEEP_SECONDS: z.coerce.number().min(0.2).max(3_600).default(15),
  MEDIC_VERIFY_WINDOW_MINUTES: z.coerce.number().min(0.01).max(7 * 24 * 60).default(15),
  MEDIC_PROMOTE_MIN_ATTEMPTS: z.coerce.number().int().min(1).max(10_000).default(5),
  MEDIC_PROMOTE_MIN_SUCCESS: z.coerce.number().min(0).max(1).default(0.9),
  MEDIC_QUEUE_NAME: z.string().regex(/^[\w.-]{1,100}$/, 'must be letters, digits, ., - and _').default('medic'),
  MEDIC_USER: z.string().min(1).max(200).optional(),
  MEDIC_PUBLIC_URL: z.string().url().default('http://127.0.0.1:8787'),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  SLACK_API_URL: z.string().url().default('https://slack.com/api'),
  SLACK_DEFAULT_CHANNEL: z.string().min(1).max(200).optional(),
  SLACK_CHANNELS: jsonArray.pipe(z.record(z.string().min(1), z.string().min(1).max(200))).optional(),
  MEDIC_OIDC_ISSUER: z.string().url().optional(),
  MEDIC_OIDC_CLIENT_ID: z.string().min(1).optional(),
  MEDIC_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  MEDIC_OIDC_GROUPS_CLAIM: z.string().min(1).max(200).default('groups'),
  MEDIC_OIDC_REQUEST_SCOPES: z.string().regex(/^openid( [\w:./-]+)*$/, 'must be "openid" and other scopes, separated by spaces').default('openid profile email groups'),
  MEDIC_OIDC_SCOPES: jsonArray.pipe(z.record(z.string().min(1).max(200), z.array(Scope))).optional(),
  MEDIC_SESSION_HOURS: z.coerce.number().min(0.01).max(24 * 30).default(12),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Medic's configuration, parsed once from the environment at start-up and frozen. */
/** Every environment variable Medic reads (deployment recipes are checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(Env.shape);

export interface Config {
  /** Address to bind; forced to loopback when no token is configured. */
  readonly host: string;
  /** @defaultValue 8787 */
  readonly port: number;
  /** True when the bind was narrowed to loopback because no token is configured. */
  readonly loopbackOnly: boolean;
  readonly databaseUrl: string | undefined;
  /** Where the embedded store keeps its files when DATABASE_URL is unset. @defaultValue `./.medic` */
  readonly dataDir: string;
  readonly redisUrl: string | undefined;
  readonly tokens: readonly TokenGrant[];
  /**
   * Requests a minute per token (per address without one), counted in Redis when `REDIS_URL` is
   * set so every replica shares the count; 0 turns the limit off. @defaultValue 60000
   */
  readonly ratePerMinute: number;
  /** Largest accepted request body in bytes. @defaultValue 10 MiB */
  readonly bodyLimit: number;
  /** Time zone for sources whose timestamps carry none (Control-M). @defaultValue `UTC` */
  readonly timeZone: string;
  /** Jobs a worker runs at once. @defaultValue 4 */
  readonly queueConcurrency: number;
  /**
   * Jobs the in-process queue (no `REDIS_URL`) holds waiting before it refuses those a later job
   * makes up for (updates of Slack messages, source syncs, forecasts); analyses, executions, new
   * messages and the like are admitted past it. BullMQ keeps its jobs in Redis and ignores it.
   * @defaultValue 10,000
   */
  readonly queueMaxWaiting: number;
  readonly logLevel: z.infer<typeof Env>['LOG_LEVEL'];
  /** `hashing` (local, offline) or `openai` (any OpenAI-compatible endpoint). @defaultValue `hashing` */
  readonly embedder: { kind: 'hashing'; dimensions: number } | { kind: 'openai'; baseURL: string | undefined; apiKey: string; model: string; dimensions: number };
  /**
   * The agent step: its model on the OpenAI-compatible endpoint (`MEDIC_AGENT_MODEL`; none: the
   * deterministic planner, offline), and the budgets of one run. Steps come from the policy's
   * `max_steps`; the wall time is cut further to the SLA slack. @defaultValue no model, 30 000 tokens, 300 s, 30 s a model call
   */
  readonly agent: { model: string | undefined; baseURL: string | undefined; apiKey: string | undefined; maxTokens: number; maxWallMs: number; modelTimeoutMs: number };
  /** Failures of one signature on several jobs within this window are one incident. @defaultValue 15 min */
  readonly stormWindowMs: number;
  /** Folder of policy files; the shipped `policies/` when unset. */
  readonly policiesDir: string | undefined;
  /** How long the decision endpoint may take before it answers the safe default. @defaultValue 200 ms */
  readonly decideTimeoutMs: number;
  /** Lookups that may wait for a connection before a new decision answers the safe default at once (overload). @defaultValue 64 */
  readonly decideMaxWaiting: number;
  /** Decisions being taken at once past which a new one is answered at once as overloaded. @defaultValue 256 */
  readonly decideMaxInFlight: number;
  /**
   * A decision request that already waited this long in the process before its turn (the event
   * loop is saturated) is answered at once as overloaded, so that answers stay fast under any
   * load instead of queueing. @defaultValue 20 ms
   */
  readonly decideShedAfterMs: number;
  /** How many of the busiest signatures' facts `medic serve` loads into memory after it starts (0: none). @defaultValue 20,000 */
  readonly decideWarmSignatures: number;
  /**
   * What Medic answers when it cannot decide (timeout, store outage, internal error): never a
   * destructive action. Failure: `notify` (people decide) or `hold_downstream`; preflight: `go`
   * (as if Medic were not there) or `hold`. @defaultValue notify, go
   */
  readonly safeDefault: { failure: 'notify' | 'hold_downstream'; preflight: 'go' | 'hold' };
  /** The people who may vote on approvals, by name, with their groups. @defaultValue none */
  readonly approvers: readonly Approver[];
  /** How long an approval request waits at most (an SLA may cut it shorter). @defaultValue 60 min */
  readonly approvalTtlMs: number;
  /**
   * What Medic does itself after it analyses a failed attempt: `off` nothing; `shadow` decides
   * and logs, acting on nothing; `on` executes ungated actions and asks for approval of gated
   * ones. @defaultValue shadow
   */
  readonly heal: 'off' | 'shadow' | 'on';
  /** Failures older than this when analysed are history (a backfill), not something to heal now. @defaultValue 60 min */
  readonly healMaxAgeMs: number;
  /** Orchestrator endpoints and credentials that execute actions (`MEDIC_EXECUTORS`). @defaultValue none */
  readonly executors: readonly ExecutorConnection[];
  /**
   * Orchestrators Medic pulls history from (`MEDIC_SOURCES`, or `MEDIC_SOURCES_FILE`), secrets
   * resolved. A source of a kind that executes (Airflow, Argo, Control-M) is also its executor
   * unless `MEDIC_EXECUTORS` names it. @defaultValue none
   */
  readonly sources: readonly SourceConfig[];
  /** How long a worker holds an execution before another may take it over. @defaultValue 60 s */
  readonly executionLeaseMs: number;
  /** How often approvals expire, lost executions are re-queued and verifications are checked. @defaultValue 15 s */
  readonly healSweepMs: number;
  /** The least time an executed action is watched for its effect (3 job median runs if longer). @defaultValue 15 min */
  readonly verifyWindowMs: number;
  /** When an action's track record on a signature is good enough to propose it ungated. @defaultValue 5 outcomes, 90 % */
  readonly promote: { minAttempts: number; minSuccess: number };
  /** The BullMQ queue name (and key prefix) in Redis. @defaultValue `medic` */
  readonly queueName: string;
  /** Who the CLI acts as when `--as` is not given (`MEDIC_USER`, else the OS user). */
  readonly user: string | undefined;
  /** Where people reach this Medic; links in Slack messages point here. @defaultValue `http://127.0.0.1:8787` */
  readonly publicUrl: string;
  /** The Slack app: off until `SLACK_SIGNING_SECRET` (requests in) and `SLACK_BOT_TOKEN` (messages out) are set. */
  readonly slack: SlackConfig;
  /** The web console: its single sign-on and how long a session lasts. */
  readonly console: ConsoleConfig;
}

const DEFAULT_OIDC_SCOPES: Record<string, Scope[]> = { '*': ['read'] };

/** How people sign in to the web console. */
export interface ConsoleConfig {
  /** OpenID Connect single sign-on; null: token login only (and a name on a loopback server without tokens). */
  readonly oidc: OidcConfig | null;
  /** A session ends this long after sign-in. @defaultValue 12 h */
  readonly sessionMs: number;
}

/** An OpenID Connect provider (authorization code with PKCE). */
export interface OidcConfig {
  readonly issuer: string;
  readonly clientId: string;
  /** None for a public client. */
  readonly clientSecret: string | undefined;
  /** The ID token or userinfo claim that lists a person's groups. @defaultValue `groups` */
  readonly groupsClaim: string;
  /** The scopes sign-in asks the provider for; the groups claim often needs its own. @defaultValue `openid profile email groups` */
  readonly requestScopes: string;
  /**
   * Scopes per group (`MEDIC_OIDC_SCOPES`, e.g. `{"sre":["read","approve"],"*":["read"]}`; `*`
   * is everyone who signs in). @defaultValue `{"*":["read"]}`
   */
  readonly scopes: Readonly<Record<string, readonly Scope[]>>;
}

/** How Medic talks to Slack. */
export interface SlackConfig {
  /** Verifies that requests to `/slack/events` come from Slack; without it they are refused. */
  readonly signingSecret: string | undefined;
  /** Posts as the app's bot; without it nothing is posted. */
  readonly botToken: string | undefined;
  /** Slack's Web API, without the trailing slash; tests point it at a local server. @defaultValue `https://slack.com/api` */
  readonly apiUrl: string;
  /** Where a message goes when none of its services names a channel. @defaultValue none: such messages are not posted */
  readonly defaultChannel: string | undefined;
  /** Channel per service name (`SLACK_CHANNELS`), before the service definition's own `channel`. @defaultValue none */
  readonly channels: Readonly<Record<string, string>>;
}

/** The environment could not be parsed; the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment into a frozen Config, or throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  // A variable set to nothing (`FOO=`, compose's `${FOO:-}`) means unset, not an empty value.
  const parsed = Env.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(environment)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (!isTimeZone(e.MEDIC_TIME_ZONE)) {
    throw new ConfigError(`invalid configuration:\n  MEDIC_TIME_ZONE: unknown time zone "${e.MEDIC_TIME_ZONE}"`);
  }
  if (e.MEDIC_EMBEDDER === 'openai' && !e.OPENAI_API_KEY && !e.OPENAI_BASE_URL) {
    throw new ConfigError('invalid configuration:\n  OPENAI_API_KEY: required when MEDIC_EMBEDDER=openai (or set OPENAI_BASE_URL to a local server)');
  }
  if (e.MEDIC_AGENT_MODEL && !e.OPENAI_API_KEY && !e.OPENAI_BASE_URL) {
    throw new ConfigError('invalid configuration:\n  OPENAI_API_KEY: required when MEDIC_AGENT_MODEL is set (or set OPENAI_BASE_URL to a local server)');
  }
  const executors = parseExecutorConnections(e.MEDIC_EXECUTORS);
  if (executors.kind === 'invalid') {
    const lines = executors.issues.map((i) => `  ${['MEDIC_EXECUTORS', ...i.path].join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const sources = loadSources(e.MEDIC_SOURCES, e.MEDIC_SOURCES_FILE, env);
  if (e.MEDIC_OIDC_ISSUER && !e.MEDIC_OIDC_CLIENT_ID) {
    throw new ConfigError('invalid configuration:\n  MEDIC_OIDC_CLIENT_ID: required when MEDIC_OIDC_ISSUER is set');
  }
  const tokens: TokenGrant[] = [...(e.MEDIC_TOKENS ?? [])];
  if (e.MEDIC_ADMIN_TOKEN) tokens.push({ name: 'admin', token: e.MEDIC_ADMIN_TOKEN, scopes: ['admin'] });
  const loopbackOnly = tokens.length === 0;
  return Object.freeze({
    host: loopbackOnly ? '127.0.0.1' : (e.HOST ?? '0.0.0.0'),
    port: e.PORT,
    loopbackOnly,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.MEDIC_DATA_DIR,
    redisUrl: e.REDIS_URL,
    tokens: Object.freeze(tokens),
    ratePerMinute: e.MEDIC_RATE_LIMIT_PER_MINUTE,
    bodyLimit: e.MEDIC_BODY_LIMIT,
    timeZone: e.MEDIC_TIME_ZONE,
    queueConcurrency: e.MEDIC_QUEUE_CONCURRENCY,
    queueMaxWaiting: e.MEDIC_QUEUE_MAX_WAITING,
    logLevel: e.LOG_LEVEL,
    embedder: e.MEDIC_EMBEDDER === 'openai'
      ? { kind: 'openai' as const, baseURL: e.OPENAI_BASE_URL, apiKey: e.OPENAI_API_KEY ?? 'unused', model: e.MEDIC_EMBEDDING_MODEL, dimensions: e.MEDIC_EMBEDDING_DIMENSIONS }
      : { kind: 'hashing' as const, dimensions: e.MEDIC_EMBEDDING_DIMENSIONS },
    agent: Object.freeze({
      model: e.MEDIC_AGENT_MODEL, baseURL: e.OPENAI_BASE_URL, apiKey: e.OPENAI_API_KEY,
      maxTokens: e.MEDIC_AGENT_MAX_TOKENS, maxWallMs: Math.round(e.MEDIC_AGENT_MAX_WALL_SECONDS * 1000), modelTimeoutMs: Math.round(e.MEDIC_AGENT_MODEL_TIMEOUT_SECONDS * 1000),
    }),
    stormWindowMs: e.MEDIC_STORM_WINDOW_MINUTES * 60_000,
    policiesDir: e.MEDIC_POLICIES_DIR,
    decideTimeoutMs: e.MEDIC_DECIDE_TIMEOUT_MS,
    decideMaxWaiting: e.MEDIC_DECIDE_MAX_WAITING,
    decideMaxInFlight: e.MEDIC_DECIDE_MAX_IN_FLIGHT,
    decideShedAfterMs: e.MEDIC_DECIDE_SHED_AFTER_MS,
    decideWarmSignatures: e.MEDIC_DECIDE_WARM_SIGNATURES,
    safeDefault: Object.freeze({ failure: e.MEDIC_SAFE_DEFAULT_FAILURE, preflight: e.MEDIC_SAFE_DEFAULT_PREFLIGHT }),
    approvers: Object.freeze(e.MEDIC_APPROVERS ?? []),
    approvalTtlMs: e.MEDIC_APPROVAL_TTL_MINUTES * 60_000,
    heal: e.MEDIC_HEAL,
    healMaxAgeMs: e.MEDIC_HEAL_MAX_AGE_MINUTES * 60_000,
    executors: Object.freeze([...executors.connections, ...executorsOf(sources, executors.connections)]),
    sources,
    executionLeaseMs: Math.round(e.MEDIC_EXECUTION_LEASE_SECONDS * 1000),
    healSweepMs: Math.round(e.MEDIC_HEAL_SWEEP_SECONDS * 1000),
    verifyWindowMs: Math.round(e.MEDIC_VERIFY_WINDOW_MINUTES * 60_000),
    promote: Object.freeze({ minAttempts: e.MEDIC_PROMOTE_MIN_ATTEMPTS, minSuccess: e.MEDIC_PROMOTE_MIN_SUCCESS }),
    queueName: e.MEDIC_QUEUE_NAME,
    user: e.MEDIC_USER,
    publicUrl: e.MEDIC_PUBLIC_URL.replace(/\/+$/, ''),
    slack: Object.freeze({
      signingSecret: e.SLACK_SIGNING_SECRET, botToken: e.SLACK_BOT_TOKEN, apiUrl: e.SLACK_API_URL.replace(/\/+$/, ''),
      defaultChannel: e.SLACK_DEFAULT_CHANNEL, channels: Object.freeze({ ...(e.SLACK_CHANNELS ?? {}) }),
    }),
    console: Object.freeze({
      oidc: e.MEDIC_OIDC_ISSUER && e.MEDIC_OIDC_CLIENT_ID
        ? Object.freeze({
          issuer: e.MEDIC_OIDC_ISSUER, clientId: e.MEDIC_OIDC_CLIENT_ID, clientSecret: e.MEDIC_OIDC_CLIENT_SECRET,
          groupsClaim: e.MEDIC_OIDC_GROUPS_CLAIM, requestScopes: e.MEDIC_OIDC_REQUEST_SCOPES, scopes: Object.freeze({ ...(e.MEDIC_OIDC_SCOPES ?? DEFAULT_OIDC_SCOPES) }),
        })
        : null,
      sessionMs: Math.round(e.MEDIC_SESSION_HOURS * 3_600_000),
    }),
  });
}

function loadSources(inline: string | undefined, file: string | undefined, env: NodeJS.ProcessEnv): readonly SourceConfig[] {
  if (inline && file) throw new ConfigError('invalid configuration:\n  MEDIC_SOURCES_FILE: set MEDIC_SOURCES or MEDIC_SOURCES_FILE, not both');
  const name = file ? 'MEDIC_SOURCES_FILE' : 'MEDIC_SOURCES';
  let raw = inline;
  if (file) {
    try {
      raw = readFileSync(file, 'utf8');
    } catch (err) {
      const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'unreadable';
      throw new ConfigError(`invalid configuration:\n  MEDIC_SOURCES_FILE: ${file} cannot be read (${code})`);
    }
  }
  const parsed = parseSources(raw, defaultSecretReader(env));
  if (parsed.kind === 'invalid') {
    const lines = parsed.issues.map((i) => `  ${[name, ...i.path].join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.sources;
}

/** The executor connections of sources that execute, where MEDIC_EXECUTORS has none of their own. */
function executorsOf(sources: readonly SourceConfig[], explicit: readonly ExecutorConnection[]): ExecutorConnection[] {
  const named = new Set(explicit.map((c) => c.source));
  return sources.flatMap((s): ExecutorConnection[] => {
    if (named.has(s.source) || s.kind === 'marquez') return [];
    const { pull: _pull, ...connection } = s;
    return [connection];
  });
}
