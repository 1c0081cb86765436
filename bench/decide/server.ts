/**
 * `medic serve` as a child process, as it is deployed: PostgreSQL from DATABASE_URL, no REDIS_URL
 * (the queue and the forecast sweep run in-process), warnings only in the log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/medic.js', import.meta.url));

export interface Server {
  port: number;
  pid: number;
  /** Log lines that said a decision degraded or was not logged. */
  warnings(): { degraded: number; notLogged: number; other: string[] };
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function waitReady(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`medic serve exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`medic serve was not ready within ${timeoutMs} ms`);
}

/** Starts the server on a free loopback port and waits for `/readyz`; `bin` runs another build (a candidate fix). */
export async function startServer(databaseUrl: string, bin = BIN): Promise<Server> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), LOG_LEVEL: 'warn' };
  // What the bench measures is the single-process deployment: no Redis, no tokens (loopback only).
  for (const k of ['REDIS_URL', 'MEDIC_ADMIN_TOKEN', 'MEDIC_TOKENS', 'HOST']) delete env[k];
  const child = spawn(process.execPath, [bin, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const counts = { degraded: 0, notLogged: 0, other: [] as string[] };
  const onLine = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      if (line.includes('decision degraded to the safe default')) counts.degraded++;
      else if (line.includes('decision not logged')) counts.notLogged++;
      else if (counts.other.length < 20) counts.other.push(line.slice(0, 300));
    }
  };
  child.stdout?.on('data', onLine);
  child.stderr?.on('data', onLine);
  try {
    await waitReady(port, child, 60_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${counts.other.join('\n')}`);
  }
  return {
    port,
    pid: child.pid ?? 0,
    warnings: () => ({ ...counts, other: [...counts.other] }),
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    }),
  };
}
