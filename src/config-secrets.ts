/**
 * The secrets a Config holds, by the name people know them under: what must never appear in a
 * log line, an error, an audit row or the agent's state. The test suite scans everything it
 * produced for these values (scripts/test.mjs).
 */
import type { Config } from './config.ts';
import type { ExecutorConnection } from './remediation/config.ts';
import type { SourceConfig } from './sources/config.ts';

/** One configured secret: where it is configured (never its value) and its value. */
export interface NamedSecret {
  readonly name: string;
  readonly value: string;
}

/**
 * Every secret value in `config`, each once, named by the variable (and entry) it came from:
 * API tokens, Slack's bot token and signing secret, the OIDC client secret, the model API key,
 * executor and source credentials, webhook signing secrets, and passwords inside the store's,
 * Redis's and the orchestrators' URLs. Usernames are not secrets and are left out.
 */
export function configSecrets(config: Config): NamedSecret[] {
  const found: NamedSecret[] = [
    ...config.tokens.map((t) => ({ name: t.name === 'admin' ? 'MEDIC_ADMIN_TOKEN' : `MEDIC_TOKENS[${t.name}]`, value: t.token })),
    { name: 'SLACK_SIGNING_SECRET', value: config.slack.signingSecret },
    { name: 'SLACK_BOT_TOKEN', value: config.slack.botToken },
    { name: 'MEDIC_OIDC_CLIENT_SECRET', value: config.console.oidc?.clientSecret },
    { name: 'OPENAI_API_KEY', value: config.agent.apiKey },
    { name: 'DATABASE_URL password', value: urlPassword(config.databaseUrl) },
    { name: 'REDIS_URL password', value: urlPassword(config.redisUrl) },
    ...config.sources.flatMap((s) => connectionSecrets(`MEDIC_SOURCES[${s.source}]`, s)),
    ...config.executors.flatMap((c) => connectionSecrets(`MEDIC_EXECUTORS[${c.source}]`, c)),
  ].filter((s): s is NamedSecret => typeof s.value === 'string' && s.value !== '');
  // A source that executes is also an executor: its credentials are listed once, under the source.
  const byValue = new Map<string, NamedSecret>();
  for (const s of found) if (!byValue.has(s.value)) byValue.set(s.value, s);
  return [...byValue.values()];
}

/** The credentials of one orchestrator connection, whatever its kind. */
function connectionSecrets(prefix: string, c: ExecutorConnection | SourceConfig): { name: string; value: string | undefined }[] {
  const url = { name: `${prefix}.url password`, value: urlPassword(c.url) };
  switch (c.kind) {
    case 'airflow': return [url, { name: `${prefix}.auth.password`, value: c.auth.password }];
    case 'argo': return [url, { name: `${prefix}.token`, value: c.token }];
    case 'controlm': return [url, c.auth.kind === 'api-key' ? { name: `${prefix}.auth.key`, value: c.auth.key } : { name: `${prefix}.auth.password`, value: c.auth.password }];
    case 'marquez': return [url, { name: `${prefix}.auth.token`, value: c.auth.kind === 'bearer' ? c.auth.token : undefined }];
    case 'webhook': return [url, { name: `${prefix}.secret`, value: c.secret }];
    default: {
      const never: never = c;
      throw new Error(`unknown connection kind: ${JSON.stringify(never)}`);
    }
  }
}

function urlPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
