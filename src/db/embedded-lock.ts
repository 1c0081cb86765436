import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * PGlite is one process's database: two processes on one data folder would corrupt it.
 * A pid file makes the second one stop with a sentence instead.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, 'medic.pid');
  for (let tries = 0; tries < 2; tries++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(pid) && alive(pid)) {
        throw new Error(
          `the embedded store in ${dataDir} is in use by another medic process (pid ${pid}); ` +
            'stop it, or point both at a PostgreSQL server with DATABASE_URL',
        );
      }
      await rm(path, { force: true }); // left behind by a process that died
    }
  }
  throw new Error(`could not lock ${path}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
