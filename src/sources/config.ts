/**
 * The orchestrators Medic pulls history from, read from `MEDIC_SOURCES` (a JSON array) or
 * `MEDIC_SOURCES_FILE` (YAML or JSON). A source is an executor connection (the same shape as in
 * `MEDIC_EXECUTORS`) plus what to pull and how often. Secrets are references, `{"env": NAME}` or
 * `{"file": PATH}`, resolved when the configuration is loaded and held in memory only: they are
 * never stored in the database, and a literal secret is refused.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AirflowConnection, ArgoConnection, ControlmConnection, Limits, Url, type ConfigIssue } from '../remediation/config.ts';

/** Marquez (the OpenLineage reference backend): no auth, or a bearer token. */
export const MarquezConnection = z.strictObject({
  source: z.string().min(1).max(200),
  kind: z.literal('marquez'),
  url: Url,
  auth: z.discriminatedUnion('kind', [z.strictObject({ kind: z.literal('none') }), z.strictObject({ kind: z.literal('bearer'), token: z.string().min(1) })]).default({ kind: 'none' }),
  ...Limits,
});
export type MarquezConnection = z.infer<typeof MarquezConnection>;

/** A duration such as `90d`, `12h`, `30m`, in milliseconds. */
export const Duration = z.string().regex(/^\d+(\.\d+)?[smhd]$/, 'must be a duration such as 90d, 12h or 30m').transform((s) => {
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[s.slice(-1) as 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(s.slice(0, -1)) * unit);
});

/** What to pull from a source and at what pace; every field has a default. */
export const PullSettings = z.strictObject({
  /**
   * Globs (`*`) on what the orchestrator groups runs by: DAG ids (Airflow), Kubernetes namespaces
   * (Argo: required, its API lists one namespace at a time), folders (Control-M), namespaces
   * (Marquez). Empty means everything the credentials can see.
   */
  namespaces: z.array(z.string().min(1).max(300)).max(1_000).default([]),
  /** Seconds between polls of continuous sync. @defaultValue 60 */
  interval_s: z.number().min(1).max(86_400).default(60),
  /** How far back a first sync goes. @defaultValue 90d */
  since: Duration.default(90 * 86_400_000),
  /** Items asked per page (the API's own maximum may be lower). @defaultValue 100 */
  page_size: z.number().int().min(1).max(10_000).default(100),
  /** Requests per second to this source, at most. @defaultValue 20 */
  rate_per_s: z.number().min(0.1).max(10_000).default(20),
  /** Requests in flight to this source, at most. @defaultValue 4 */
  concurrency: z.number().int().min(1).max(64).default(4),
});
export type PullSettings = z.infer<typeof PullSettings>;

const withPull = <T extends z.ZodType>(connection: T) => z.intersection(connection, z.object({ pull: PullSettings.default(PullSettings.parse({})) }));

export const SourceConfig = z.union([
  withPull(AirflowConnection), withPull(ArgoConnection), withPull(ControlmConnection), withPull(MarquezConnection),
]);
export type AirflowSource = AirflowConnection & { pull: PullSettings };
export type ArgoSource = ArgoConnection & { pull: PullSettings };
export type ControlmSource = ControlmConnection & { pull: PullSettings };
export type MarquezSource = MarquezConnection & { pull: PullSettings };
export type SourceConfig = AirflowSource | ArgoSource | ControlmSource | MarquezSource;

/** The fields that hold secrets: each must be given by reference. */
const SECRET_PATHS = [['auth', 'password'], ['auth', 'key'], ['auth', 'token'], ['token'], ['secret']];

export type ParsedSources = { kind: 'ok'; sources: readonly SourceConfig[] } | { kind: 'invalid'; issues: ConfigIssue[] };

export interface SecretReader {
  env: NodeJS.ProcessEnv;
  readFile: (path: string) => string;
}

export const defaultSecretReader = (env: NodeJS.ProcessEnv): SecretReader => ({ env, readFile: (p) => readFileSync(p, 'utf8') });

/**
 * Parses the sources: `raw` is `MEDIC_SOURCES`, or the text of `MEDIC_SOURCES_FILE` (YAML is a
 * superset of JSON, so one parser reads both). Issue paths point into the list.
 */
export function parseSources(raw: string | undefined, secrets: SecretReader): ParsedSources {
  if (raw === undefined || raw.trim() === '') return { kind: 'ok', sources: [] };
  let doc: unknown;
  try {
    doc = parseYaml(raw);
  } catch (err) {
    return { kind: 'invalid', issues: [{ path: [], message: `is not valid JSON or YAML (${err instanceof Error ? err.message.split('\n')[0] : String(err)})` }] };
  }
  const list = Array.isArray(doc) ? doc : typeof doc === 'object' && doc !== null && Array.isArray((doc as { sources?: unknown }).sources) ? (doc as { sources: unknown[] }).sources : undefined;
  if (!list) return { kind: 'invalid', issues: [{ path: [], message: 'must be a list of sources (or an object with a "sources" list)' }] };
  const issues: ConfigIssue[] = [];
  const sources: SourceConfig[] = [];
  const seen = new Map<string, number>();
  list.forEach((entry, i) => {
    const referenced = new Set<string>();
    const resolved = resolveReferences(entry, [i], secrets, referenced, issues);
    for (const path of SECRET_PATHS) {
      const value = path.reduce<unknown>((o, k) => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined), entry);
      if (typeof value === 'string') issues.push({ path: [i, ...path], message: 'a secret is given by reference: {"env": "VARIABLE"} or {"file": "/path/to/secret"}, never inline' });
    }
    const parsed = SourceConfig.safeParse(resolved);
    if (!parsed.success) {
      // A union reports every branch; the branch of the entry's own kind says what is wrong.
      for (const issue of parsed.error.issues) issues.push(...flattenUnion(issue, [i]));
      return;
    }
    const source = parsed.data as SourceConfig;
    const first = seen.get(source.source);
    if (first !== undefined) issues.push({ path: [i, 'source'], message: `"${source.source}" is already configured at [${first}]` });
    else seen.set(source.source, i);
    if (source.kind === 'argo' && source.pull.namespaces.some((n) => n.includes('*'))) {
      issues.push({ path: [i, 'pull', 'namespaces'], message: "Argo lists one namespace at a time: name them (no '*'), or leave the list empty for all namespaces" });
    }
    sources.push(source);
  });
  return issues.length > 0 ? { kind: 'invalid', issues: dedupe(issues) } : { kind: 'ok', sources: Object.freeze(sources) };
}

/** Replaces every `{"env": NAME}` and `{"file": PATH}` by what it names. */
function resolveReferences(value: unknown, path: (string | number)[], secrets: SecretReader, referenced: Set<string>, issues: ConfigIssue[]): unknown {
  if (Array.isArray(value)) return value.map((v, k) => resolveReferences(v, [...path, k], secrets, referenced, issues));
  if (typeof value !== 'object' || value === null) return value;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && (keys[0] === 'env' || keys[0] === 'file') && typeof o[keys[0]] === 'string') {
    referenced.add(path.join('.'));
    const name = o[keys[0]] as string;
    if (keys[0] === 'env') {
      const v = secrets.env[name];
      if (v === undefined || v === '') issues.push({ path, message: `the environment variable ${name} is not set` });
      return v ?? '';
    }
    try {
      return secrets.readFile(name).trim();
    } catch (err) {
      const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'unreadable';
      issues.push({ path, message: `the file ${name} cannot be read (${code})` });
      return '';
    }
  }
  return Object.fromEntries(keys.map((k) => [k, resolveReferences(o[k], [...path, k], secrets, referenced, issues)]));
}

function flattenUnion(issue: z.core.$ZodIssue, prefix: (string | number)[]): ConfigIssue[] {
  const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
  if (issue.code === 'invalid_union') {
    // The branch with the fewest issues is the one the entry meant.
    const branches = issue.errors.filter((b) => b.length > 0).sort((a, b) => a.length - b.length);
    const best = branches.find((b) => !b.some((x) => x.path.at(-1) === 'kind' && x.code === 'invalid_value')) ?? branches[0] ?? [];
    return best.flatMap((x) => flattenUnion(x, path));
  }
  return [{ path, message: issue.message }];
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.path.join('.')}|${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** `*` globs on names, compiled once. */
export function nameFilter(globs: readonly string[]): (name: string) => boolean {
  if (globs.length === 0) return () => true;
  const res = globs.map((g) => new RegExp(`^${g.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`));
  return (name) => res.some((r) => r.test(name));
}
