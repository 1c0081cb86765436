import type { Command } from 'commander';
import { configOrExit, quiet } from './config.ts';

/** The long-running processes and the migrations; the server's modules load only when they run. */
export function registerServer(program: Command): void {
  program.command('serve').description('run the API and the queue workers')
    .action(async () => (await import('../main.ts')).serve(configOrExit(), { workers: true }));
  program.command('worker').description('run queue workers only (needs REDIS_URL and DATABASE_URL)')
    .action(async () => (await import('../main.ts')).work(configOrExit()));
  program.command('migrate').description('apply pending database migrations').action(async () => {
    const [{ migrate, readMigrations }, { MIGRATIONS_DIR, openRuntime }] = await Promise.all([import('../db/migrate.ts'), import('../runtime.ts')]);
    const runtime = await openRuntime(quiet(configOrExit()), { migrate: false });
    try {
      const result = await migrate(runtime.deps.pool, await readMigrations(MIGRATIONS_DIR));
      console.log(result.applied.length
        ? `applied ${result.applied.join(', ')}`
        : `nothing to apply (${result.alreadyApplied} migrations already applied)`);
    } finally {
      await runtime.close();
    }
  });
}
