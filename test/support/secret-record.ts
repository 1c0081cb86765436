/**
 * What the suite records for the secrets scan when `MEDIC_SECRET_SCAN_DIR` is set (scripts/test.mjs
 * sets it to a fresh folder per run): the secrets every test configures, the test loggers' lines
 * at `debug`, the output of the Medic processes tests start, and the stored rows that hold logs,
 * errors, audit and agent state. After the run every file there but `secrets/` is searched for
 * every secret (test/support/secret-scan.ts). Unset, nothing is recorded and loggers are silent.
 */
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type DestinationStream, type Logger } from 'pino';
import { loadConfig, type Config } from '../../src/config.ts';
import { configSecrets, type NamedSecret } from '../../src/config-secrets.ts';
import type { Queryable } from '../../src/db/pool.ts';
import { RECORD } from './secret-scan.ts';

const recordDir = (): string | undefined => process.env.MEDIC_SECRET_SCAN_DIR || undefined;

function fileIn(folder: keyof typeof RECORD, name: string): string | undefined {
  const dir = recordDir();
  if (!dir) return undefined;
  mkdirSync(join(dir, RECORD[folder]), { recursive: true });
  return join(dir, RECORD[folder], name);
}

const recorded = new Set<string>();

/** Notes the secrets of `config` as ones the suite's output must not hold. */
export function recordSecrets(config: Config): void {
  if (recordDir()) recordSecretList(configSecrets(config));
}

/** Notes secrets a test gives Medic's parts directly rather than through a Config. */
export function recordSecretList(secrets: readonly NamedSecret[]): void {
  if (!recordDir()) return;
  const fresh = secrets.filter((s) => !recorded.has(s.value));
  if (fresh.length === 0) return;
  for (const s of fresh) recorded.add(s.value);
  const file = fileIn('secrets', `${process.pid}.jsonl`);
  if (file) appendFileSync(file, fresh.map((s) => `${JSON.stringify(s)}\n`).join(''));
}

/** Notes the secrets of the configuration a Medic process will read from `env` (none if it is invalid). */
export function recordSecretsOfEnv(env: NodeJS.ProcessEnv): void {
  if (!recordDir()) return;
  try {
    recordSecrets(loadConfig(env));
  } catch {
    // A test of a refused configuration: the process stops before it can leak anything.
  }
}

let destination: DestinationStream | undefined;

/**
 * The logger of test dependencies: silent, or, when recording, every line at `debug` into one
 * file per test process, written asynchronously (pino flushes it when the process exits).
 */
export function testLogger(): Logger {
  const file = fileIn('logs', `${process.pid}.log`);
  if (!file) return pino({ level: 'silent' });
  destination ??= pino.destination({ dest: file, sync: false, minLength: 8 * 1024 });
  return pino({ level: 'debug' }, destination);
}

let children = 0;

/** Keeps what `child` writes, to a file of its own once it ends. */
export function recordOutput(child: ChildProcess, what: string): void {
  const file = fileIn('output', `${process.pid}-${++children}-${what.replace(/[^\w.-]+/g, '_').slice(0, 60)}.log`);
  if (!file) return;
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (d: Buffer) => chunks.push(d));
  child.stderr?.on('data', (d: Buffer) => chunks.push(d));
  child.once('close', () => writeFileSync(file, Buffer.concat(chunks)));
}

// History as it was ingested or pulled, its derived statistics and indexes: large, and written
// from what tests send rather than from Medic's configuration (with them, the rows of a
// history-heavy test take ten times as long to write). Every other table is kept.
const BULK_TABLES = new Set([
  'public.medic_migrations', 'public.run_events', 'public.ingest_payloads', 'public.run_attempts', 'public.runs', 'public.jobs', 'public.job_edges', 'public.job_datasets',
  'public.dataset_stats', 'public.dataset_reads', 'public.forecast_points', 'public.signature_keys', 'public.embedder_state', 'public.miner_state',
]);

let databases = 0;

/**
 * Writes the stored rows of a test database that is about to go, one `row_to_json` line each:
 * logs, errors, audit rows, decisions, approvals, executions, agent runs and their checkpoints,
 * Slack messages, sessions. Byte columns are written as escaped text so that what they hold reads;
 * embeddings (numbers only) are left out.
 */
export async function recordRows(db: Queryable, label: string): Promise<void> {
  const file = fileIn('rows', `${process.pid}-${++databases}-${label}.jsonl`);
  if (!file) return;
  try {
    // The catalogue, not information_schema: a tenth of the time on the embedded store.
    const tables = await db.query<{ name: string; columns: string }>(
      `select format('%I.%I', n.nspname, c.relname) as name,
              string_agg(case when a.atttypid = 'bytea'::regtype then format('encode(%1$I, ''escape'') as %1$I', a.attname) else format('%I', a.attname) end, ', ' order by a.attnum) as columns
         from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_attribute a on a.attrelid = c.oid join pg_type t on t.oid = a.atttypid
        where n.nspname in ('public', 'langgraph') and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped and t.typname <> 'vector'
        group by n.nspname, c.relname`,
    );
    const kept = tables.rows.filter((t) => !BULK_TABLES.has(t.name));
    if (kept.length === 0) return;
    const union = kept.map((t) => `select row_to_json(t)::text as line from (select ${t.columns} from ${t.name}) t`).join(' union all ');
    const r = await db.query<{ text: string | null }>(`select string_agg(line, E'\\n') as text from (${union}) rows`);
    writeFileSync(file, r.rows[0]?.text ?? '');
  } catch (err) {
    // A store the test broke on purpose (an outage test) has nothing to read; the scan goes on without it.
    writeFileSync(file, `rows unreadable: ${(err as Error).message}\n`);
  }
}
