/**
 * Which orchestrator endpoint and credentials execute actions for which Medic source, read
 * from `MEDIC_EXECUTORS` (a JSON array). Secrets stay in this value: never log it.
 */
import { z } from 'zod';

export const Url = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
  // Paths are appended to it; a trailing slash would double them.
  .transform((u) => u.replace(/\/+$/, ''));
const Secret = z.string().min(1);

/** Per-connection HTTP limits; every field has a default. */
export const Limits = {
  /** Time one HTTP call may take, body included. @defaultValue 10000 */
  timeoutMs: z.number().int().min(100).max(300_000).default(10_000),
  /** Tries of one call on connection errors, timeouts, 429 and 5xx. @defaultValue 3 */
  maxAttempts: z.number().int().min(1).max(10).default(3),
  /** Time all tries of one call may take together, waits included. @defaultValue 30000 */
  maxTotalMs: z.number().int().min(100).max(600_000).default(30_000),
};

const Password = z.strictObject({ kind: z.literal('password'), username: Secret, password: Secret });
const Basic = z.strictObject({ kind: z.literal('basic'), username: Secret, password: Secret });

export const AirflowConnection = z.strictObject({
  source: z.string().min(1).max(200),
  kind: z.literal('airflow'),
  url: Url,
  /** `v1` for Airflow 2 (`/api/v1`, basic auth), `v2` for Airflow 3 (`/api/v2`, JWT from `/auth/token`). */
  api: z.enum(['v1', 'v2']),
  auth: z.discriminatedUnion('kind', [Password, Basic]),
  ...Limits,
}).refine((c) => (c.api === 'v2') === (c.auth.kind === 'password'), {
  path: ['auth', 'kind'],
  message: 'Airflow 3 (api v2) takes {"kind":"password"} (a token from /auth/token); Airflow 2 (api v1) takes {"kind":"basic"}',
});

export const ArgoConnection = z.strictObject({
  source: z.string().min(1).max(200),
  kind: z.literal('argo'),
  url: Url,
  /** A Kubernetes service-account token, sent as `Authorization: Bearer`. */
  token: Secret,
  ...Limits,
});

export const ControlmConnection = z.strictObject({
  source: z.string().min(1).max(200),
  kind: z.literal('controlm'),
  /** The Automation API root, e.g. `https://ctm:8443/automation-api`. */
  url: Url,
  auth: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('api-key'), key: Secret }),
    z.strictObject({ kind: z.literal('session'), username: Secret, password: Secret }),
  ]),
  ...Limits,
});

export const WebhookConnection = z.strictObject({
  /** A source name, or `*` for every source that has no executor of its own. */
  source: z.string().min(1).max(200),
  kind: z.literal('webhook'),
  url: Url,
  /** HMAC-SHA256 key the receiver verifies with (see docs/webhook.md). */
  secret: z.string().min(16, 'must be at least 16 characters'),
  ...Limits,
});

export const ExecutorConnection = z.discriminatedUnion('kind', [AirflowConnection, ArgoConnection, ControlmConnection, WebhookConnection]);
export type ExecutorConnection = z.infer<typeof ExecutorConnection>;
export type AirflowConnection = z.infer<typeof AirflowConnection>;
export type ArgoConnection = z.infer<typeof ArgoConnection>;
export type ControlmConnection = z.infer<typeof ControlmConnection>;
export type WebhookConnection = z.infer<typeof WebhookConnection>;
export type ConnectionLimits = Pick<ExecutorConnection, 'timeoutMs' | 'maxAttempts' | 'maxTotalMs'>;

/** The list, with one connection per source and `*` only for a webhook. */
export const ExecutorConnections = z.array(ExecutorConnection).superRefine((list, ctx) => {
  const seen = new Map<string, number>();
  list.forEach((c, i) => {
    if (c.source === '*' && c.kind !== 'webhook') {
      ctx.addIssue({ code: 'custom', path: [i, 'source'], message: '"*" is only for a webhook connection' });
    }
    const first = seen.get(c.source);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'source'], message: `"${c.source}" is already connected at [${first}]` });
    else seen.set(c.source, i);
  });
});

export interface ConfigIssue {
  path: (string | number)[];
  message: string;
}

export type ParsedConnections =
  | { kind: 'ok'; connections: readonly ExecutorConnection[] }
  | { kind: 'invalid'; issues: ConfigIssue[] };

/**
 * Parses `MEDIC_EXECUTORS`: no value means no executors. Issue paths point into the array,
 * e.g. `[1, 'auth', 'kind']`; the caller prefixes the variable's name.
 */
export function parseExecutorConnections(raw: string | undefined): ParsedConnections {
  if (raw === undefined || raw.trim() === '') return { kind: 'ok', connections: [] };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { kind: 'invalid', issues: [{ path: [], message: 'is not valid JSON' }] };
  }
  const parsed = ExecutorConnections.safeParse(json);
  if (!parsed.success) {
    return {
      kind: 'invalid',
      issues: parsed.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: i.message })),
    };
  }
  return { kind: 'ok', connections: Object.freeze(parsed.data) };
}
