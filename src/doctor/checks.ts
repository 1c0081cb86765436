import { existsSync } from 'node:fs';
import type { Config } from '../config.ts';
import { lockDataDir } from '../db/embedded-lock.ts';
import { pendingMigrations, readMigrations } from '../db/migrate.ts';
import { openDatabase, type Queryable } from '../db/pool.ts';
import { readSettings } from '../db/pg-settings.ts';
import type { Logger } from 'pino';

/** What one check found: fine, worth knowing, or a fault that stops Medic from working. */
export type Finding =
  | { check: string; status: 'ok'; detail: string }
  | { check: string; status: 'warn' | 'fault'; detail: string; fix: string };

const ok = (check: string, detail: string): Finding => ({ check, status: 'ok', detail });
const warn = (check: string, detail: string, fix: string): Finding => ({ check, status: 'warn', detail, fix });
const fault = (check: string, detail: string, fix: string): Finding => ({ check, status: 'fault', detail, fix });

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e: unknown) => { clearTimeout(t); reject(e); });
  });
}

export interface DoctorDeps {
  migrationsDir: string;
  log: Logger;
  timeoutMs: number;
}

/** The store: reachable, PostgreSQL ≥ 14 with pgvector, every migration of this build applied. */
async function store(config: Config, deps: DoctorDeps): Promise<Finding[]> {
  const where = config.databaseUrl ? 'PostgreSQL at DATABASE_URL' : `the embedded store in ${config.dataDir}`;
  let release: (() => Promise<void>) | undefined;
  if (!config.databaseUrl && !config.dataDir.startsWith('memory://') && !existsSync(config.dataDir)) {
    return [warn('store', `${where} does not exist yet`, 'medic serve (or medic migrate) creates it; set MEDIC_DATA_DIR if it lives elsewhere')];
  }
  if (!config.databaseUrl && !config.dataDir.startsWith('memory://')) {
    try {
      release = await lockDataDir(config.dataDir);
    } catch (err) {
      // A running medic holds the folder: that is how it should be, and it cannot be opened twice.
      return [ok('store', `${where} is in use by a running medic process (${message(err)})`)];
    }
  }
  try {
    const db = await withTimeout(openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }), deps.timeoutMs, 'store');
    try {
      const out: Finding[] = [];
      const version = await withTimeout(db.pool.query<{ v: string }>("select current_setting('server_version_num') as v"), deps.timeoutMs, 'store');
      const num = Number(version.rows[0]?.v ?? 0);
      out.push(num >= 140_000
        ? ok('store', `${where}: PostgreSQL ${Math.floor(num / 10_000)}`)
        : fault('store', `${where}: PostgreSQL ${Math.floor(num / 10_000)}`, 'Medic needs PostgreSQL 14 or later'));
      const vector = await db.pool.query<{ v: string | null }>(
        `select coalesce((select extversion from pg_extension where extname = 'vector'),
                         (select default_version from pg_available_extensions where name = 'vector')) as v`);
      const v = vector.rows[0]?.v ?? null;
      out.push(v
        ? ok('pgvector', `pgvector ${v}`)
        : fault('pgvector', 'the vector extension is not installed on the server', 'install pgvector (Debian: scripts/services.sh builds it; elsewhere the postgresql-NN-pgvector package)'));
      const migrated = await db.pool.query("select to_regclass('medic_migrations') is not null as present");
      const pending = migrated.rows[0]?.present ? await pendingMigrations(db.pool, await readMigrations(deps.migrationsDir)) : ['all'];
      out.push(pending.length === 0
        ? ok('migrations', 'every migration of this build is applied')
        : warn('migrations', `not applied: ${pending.join(', ')}`, 'run `medic migrate` (medic serve applies them when it starts)'));
      if (config.databaseUrl) out.push(...await settings(db.pool));
      return out;
    } finally {
      await db.close();
    }
  } catch (err) {
    return [fault('store', `${where} does not answer: ${message(err)}`, config.databaseUrl
      ? 'check DATABASE_URL (host, port, user, password, database) and that the server accepts connections'
      : `check that ${config.dataDir} is a folder Medic can write`)];
  } finally {
    await release?.();
  }
}

/** The server settings Medic's hot paths were measured with (README, "Performance"). */
async function settings(db: Queryable): Promise<Finding[]> {
  const read = await readSettings(db);
  const off = read.filter((s) => !s.ok);
  if (off.length === 0) return [ok('postgres settings', read.map((s) => `${s.name}=${s.shown}`).join(', '))];
  return off.map((s) => warn('postgres settings', `${s.name} is ${s.shown}: ${s.why}`, `set ${s.name} = ${s.recommended} in postgresql.conf (or ALTER SYSTEM) and restart or reload PostgreSQL`));
}

async function queue(config: Config, deps: DoctorDeps): Promise<Finding> {
  if (!config.redisUrl) return ok('queue', 'in-process (no REDIS_URL): `medic worker` processes need Redis');
  const { createBullQueue } = await import('../queue/bullmq.ts');
  const q = createBullQueue({ redisUrl: config.redisUrl, name: config.queueName, prefix: config.queueName });
  try {
    await withTimeout(q.ping(), deps.timeoutMs, 'Redis');
    return ok('queue', 'Redis at REDIS_URL answers');
  } catch (err) {
    return fault('queue', `Redis at REDIS_URL does not answer: ${message(err)}`, 'check REDIS_URL and that Redis runs');
  } finally {
    await withTimeout(q.close(), deps.timeoutMs, 'Redis').catch(() => undefined);
  }
}

async function slack(config: Config, deps: DoctorDeps): Promise<Finding[]> {
  const s = config.slack;
  if (!s.botToken && !s.signingSecret) return [ok('slack', 'not configured: nothing is posted to Slack')];
  if (!s.botToken) return [fault('slack', 'SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not', 'set SLACK_BOT_TOKEN (xoxb-…) so Medic can post')];
  const out: Finding[] = [];
  if (!s.signingSecret) out.push(fault('slack', 'SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not: button presses would be refused', "set SLACK_SIGNING_SECRET from the app's Basic Information page"));
  if (!s.defaultChannel && Object.keys(s.channels).length === 0) out.push(warn('slack', 'no channel: SLACK_DEFAULT_CHANNEL and SLACK_CHANNELS are unset', 'set SLACK_DEFAULT_CHANNEL, or a channel per service'));
  const { createSlackApi } = await import('../slack/client.ts');
  try {
    const me = await createSlackApi({ token: s.botToken, apiUrl: s.apiUrl, log: deps.log, timeoutMs: deps.timeoutMs }).whoAmI();
    out.unshift(ok('slack', `the token is the bot ${me.user} of ${me.team}`));
  } catch (err) {
    out.unshift(fault('slack', `auth.test refused the token: ${message(err)}`, 'check SLACK_BOT_TOKEN (and SLACK_API_URL)'));
  }
  return out;
}

async function openai(config: Config, deps: DoctorDeps): Promise<Finding[]> {
  const wants = [config.embedder.kind === 'openai' ? `embeddings (${config.embedder.model})` : '', config.agent.model ? `the agent's model (${config.agent.model})` : ''].filter(Boolean);
  if (wants.length === 0) return [ok('openai', 'not used: the hashing embedder and the planner work offline')];
  const baseURL = config.agent.baseURL ?? (config.embedder.kind === 'openai' ? config.embedder.baseURL : undefined);
  const { lazyOpenAI } = await import('../openai-client.ts');
  const client = lazyOpenAI({ apiKey: config.agent.apiKey ?? 'unused', ...(baseURL ? { baseURL } : {}), maxRetries: 0, timeout: deps.timeoutMs });
  try {
    const models = await withTimeout((await client()).models.list(), deps.timeoutMs, 'endpoint');
    const names = new Set(models.data.map((m) => m.id));
    const missing = [config.embedder.kind === 'openai' ? config.embedder.model : undefined, config.agent.model].filter((m): m is string => m !== undefined && !names.has(m));
    return [missing.length === 0
      ? ok('openai', `the endpoint answers and serves ${wants.join(' and ')}`)
      : warn('openai', `the endpoint does not list ${missing.join(', ')}`, 'check MEDIC_EMBEDDING_MODEL / MEDIC_AGENT_MODEL against the models it serves')];
  } catch (err) {
    return [fault('openai', `the endpoint for ${wants.join(' and ')} does not answer: ${message(err)}`, 'check OPENAI_BASE_URL and OPENAI_API_KEY')];
  }
}

/** Single sign-on: the provider's discovery document answers and allows what the console needs. */
async function sso(config: Config, deps: DoctorDeps): Promise<Finding[]> {
  const oidc = config.console.oidc;
  if (!oidc) return [ok('sso', 'not configured: people sign in to the console with an API token (MEDIC_OIDC_ISSUER to use single sign-on)')];
  const { discoverProvider } = await import('../console/oidc.ts');
  const callback = `${config.publicUrl}/auth/callback`;
  try {
    const { server } = await withTimeout(discoverProvider(oidc), deps.timeoutMs, 'provider');
    const meta = server.serverMetadata();
    const out = [ok('sso', `${meta.issuer} answers; register ${callback} as the redirect URI of client ${oidc.clientId}`)];
    if (meta.code_challenge_methods_supported && !meta.code_challenge_methods_supported.includes('S256')) {
      out.push(fault('sso', 'the provider does not list PKCE with S256, which the console requires', 'enable PKCE (S256) for the client at the provider'));
    }
    if (!config.publicUrl.startsWith('https:') && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(`${config.publicUrl}/`)) {
      out.push(warn('sso', `MEDIC_PUBLIC_URL is ${config.publicUrl}: session cookies go over plain http`, 'serve Medic over TLS and set MEDIC_PUBLIC_URL to its https address'));
    }
    return out;
  } catch (err) {
    return [fault('sso', `the sign-in provider ${oidc.issuer} does not answer its discovery: ${message(err)}`, 'check MEDIC_OIDC_ISSUER (its /.well-known/openid-configuration must answer) and MEDIC_OIDC_CLIENT_ID')];
  }
}

function access(config: Config): Finding {
  return config.loopbackOnly
    ? warn('access', 'no token is configured, so the API binds 127.0.0.1 only', 'set MEDIC_ADMIN_TOKEN (16+ characters) or MEDIC_TOKENS to serve other hosts')
    : ok('access', `${config.tokens.length} token(s); the API binds ${config.host}:${config.port}`);
}

/** Every check, in the order a person reads them. */
export async function runChecks(config: Config, deps: DoctorDeps): Promise<Finding[]> {
  return [access(config), ...(await store(config, deps)), await queue(config, deps), ...(await slack(config, deps)), ...(await openai(config, deps)), ...(await sso(config, deps))];
}
