/**
 * Running `bin/medic.js` as people do: a process of its own per command, its environment cleared
 * of the suite's store, queue and policy settings so that each test says which it means.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { recordOutput, recordSecretsOfEnv } from './secret-record.ts';
import type { TestDatabase, TestStore } from './stores.ts';

const BIN = fileURLToPath(new URL('../../bin/medic.js', import.meta.url));

export interface CliResult { code: number | null; stdout: string; stderr: string }

/** Runs `medic args…` with `env` over a cleaned environment, `stdin` written to it. */
export function runMedic(args: string[], env: Record<string, string> = {}, stdin = ''): Promise<CliResult> {
  const { DATABASE_URL: _d, REDIS_URL: _r, MEDIC_DATA_DIR: _m, MEDIC_POLICIES_DIR: _p, MEDIC_USER: _u, MEDIC_AGENT_MODEL: _a, ...rest } = process.env;
  const childEnv = { ...rest, LOG_LEVEL: 'silent', ...env };
  recordSecretsOfEnv(childEnv);
  const child = spawn(process.execPath, [BIN, ...args], { env: childEnv });
  recordOutput(child, `medic-${args.slice(0, 2).join('-')}`);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  child.stdin.end(stdin);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** A store the commands share: the server's database by URL, or, embedded, a folder (the embedded store belongs to one process at a time). */
export interface CliStore { db: TestDatabase; env: Record<string, string>; close(): Promise<void> }

export async function openCliStore(store: Pick<TestStore, 'open'>): Promise<CliStore> {
  const db = await store.open();
  const dataDir = await mkdtemp(join(tmpdir(), 'medic-cli-'));
  return {
    db,
    env: db.url ? { DATABASE_URL: db.url } : { MEDIC_DATA_DIR: dataDir },
    close: async () => {
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Opens a CLI store before the tests of the enclosing `describe` and closes it after; its
 * `db` and `env` are there once they start. Without a store, `before` fails and says so.
 */
export function cliStoreForSuite(store: Pick<TestStore, 'open'> | undefined): { readonly db: TestDatabase; readonly env: Record<string, string> } {
  let cli: CliStore | undefined;
  const opened = () => {
    if (!cli) throw new Error('the CLI store is open only inside the suite\'s tests');
    return cli;
  };
  before(async () => { cli = await openCliStore(store ?? { open: () => Promise.reject(new Error('no store')) }); });
  after(() => cli?.close());
  return { get db() { return opened().db; }, get env() { return opened().env; } };
}
