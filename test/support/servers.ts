/**
 * Throwaway servers and processes for the crash and restart tests: a free port, a Redis of the
 * test's own (never the shared one), a PostgreSQL cluster of its own, and `medic worker`
 * processes to kill. Each is stopped by the test that started it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { recordOutput, recordSecretsOfEnv } from './secret-record.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve().then(check).catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A Redis on its own port that keeps nothing on disk, as the shared one is configured. */
export async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitFor(`redis on ${port}`, () => (spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout.toString().trim() === 'PONG' ? true : undefined), 10_000);
  return child;
}

/** A PostgreSQL cluster of the test's own, in a temporary folder, with pgvector available. */
export interface Cluster {
  url: string;
  stop(mode?: 'fast' | 'immediate'): void;
  start(): void;
  destroy(): void;
}

export async function startCluster(): Promise<Cluster> {
  const bin = '/usr/lib/postgresql/15/bin';
  const dir = mkdtempSync(join(tmpdir(), 'medic-pg-'));
  chownSync(dir, uid('postgres'), gid('postgres'));
  const port = await freePort();
  const as = (args: string[]) => {
    const r = spawnSync('runuser', ['-u', 'postgres', '--', ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr || r.stdout}`);
  };
  as([`${bin}/initdb`, '-D', join(dir, 'data'), '--auth=trust', '-U', 'postgres', '--no-sync']);
  const start = () => as([`${bin}/pg_ctl`, '-D', join(dir, 'data'), '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  start();
  const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
  await admin.connect();
  await admin.query('create database medic');
  await admin.end();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/medic`,
    stop: (mode = 'fast') => as([`${bin}/pg_ctl`, '-D', join(dir, 'data'), '-m', mode, '-w', 'stop']),
    start,
    destroy() {
      spawnSync('runuser', ['-u', 'postgres', '--', `${bin}/pg_ctl`, '-D', join(dir, 'data'), '-m', 'immediate', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function uid(user: string): number {
  return Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
}
function gid(user: string): number {
  return Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());
}

/** Whether this machine can run a cluster of its own (root, with the PostgreSQL 15 binaries). */
export function canStartCluster(): boolean {
  return process.getuid?.() === 0 && spawnSync('test', ['-x', '/usr/lib/postgresql/15/bin/initdb']).status === 0;
}

/** `node bin/medic.js worker` with this environment; its output is kept for a failing test to show (and the secrets scan). */
export function spawnWorker(env: Record<string, string>): ChildProcess & { output: () => string } {
  const childEnv = { ...process.env, LOG_LEVEL: 'warn', ...env };
  recordSecretsOfEnv(childEnv);
  const child = spawn(process.execPath, ['bin/medic.js', 'worker'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  recordOutput(child, 'worker');
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  return Object.assign(child, { output: () => out });
}

/** `medic serve` on a free port, ready (`/readyz`) before it is returned. */
export async function spawnServe(env: Record<string, string>): Promise<ChildProcess & { output: () => string; url: string }> {
  const port = await freePort();
  const childEnv = { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port) };
  recordSecretsOfEnv(childEnv);
  const child = spawn(process.execPath, ['bin/medic.js', 'serve'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  recordOutput(child, 'serve');
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`medic serve on ${port}`, async () => {
    if (child.exitCode !== null) throw new Error(`medic serve exited: ${out}`);
    return (await fetch(`${url}/readyz`)).ok ? true : undefined;
  }, 60_000).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`${String(err)}\n${out}`);
  });
  return Object.assign(child, { output: () => out, url });
}
