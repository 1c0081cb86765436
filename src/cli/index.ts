import { Command } from 'commander';
import { serve, work } from '../main.ts';
import { migrate, readMigrations } from '../db/migrate.ts';
import { MIGRATIONS_DIR, openRuntime } from '../runtime.ts';
import { configOrExit, quiet } from './config.ts';
import { registerApprovals } from './approvals.ts';
import { registerAgent } from './agent.ts';
import { registerAudit } from './audit.ts';
import { registerDecide } from './decide.ts';
import { registerDemo } from './demo.ts';
import { registerIncidents } from './incidents.ts';
import { registerIngest } from './ingest.ts';
import { registerPolicies } from './policies.ts';
import { registerRuns } from './runs.ts';
import { registerBuffers } from './buffers.ts';
import { registerForecast } from './forecast.ts';
import { registerServices } from './services.ts';
import { registerSignatures } from './signatures.ts';
import { registerExcerpt } from './excerpt.ts';

/** Builds the `medic` command line. */
export function buildCli(): Command {
  const program = new Command('medic')
    .description('Shared memory and judgement for the schedulers you already run')
    .showHelpAfterError();
  program.command('serve').description('run the API and the queue workers')
    .action(() => serve(configOrExit(), { workers: true }));
  program.command('worker').description('run queue workers only (needs REDIS_URL and DATABASE_URL)')
    .action(() => work(configOrExit()));
  program.command('migrate').description('apply pending database migrations').action(async () => {
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
  registerIngest(program);
  registerRuns(program);
  registerIncidents(program);
  registerSignatures(program);
  registerExcerpt(program);
  registerServices(program);
  registerForecast(program);
  registerBuffers(program);
  registerPolicies(program);
  registerDecide(program);
  registerApprovals(program);
  registerAgent(program);
  registerAudit(program);
  registerDemo(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    process.stderr.write(`medic: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
