import type { Command } from 'commander';
import { RunState } from '../runs/schema.ts';
import { listRuns } from '../runs/sql.ts';
import { openRuntime } from '../runtime.ts';
import { configOrExit, quiet } from './config.ts';
import { clip, shortTime, table } from './table.ts';

export function registerRuns(program: Command): void {
  program.command('runs').description('list runs, newest first')
    .option('--state <state>', `only runs in this state (${RunState.options.join(', ')})`)
    .option('--job <name>', 'only runs of jobs with this name')
    .option('--namespace <ns>', 'only runs of jobs in this namespace')
    .option('--limit <n>', 'how many', '30')
    .option('--json', 'print JSON instead of a table')
    .action(async (opts: { state?: string; job?: string; namespace?: string; limit: string; json?: boolean }) => {
      const state = opts.state === undefined ? undefined : RunState.parse(opts.state);
      const runtime = await openRuntime(quiet(configOrExit()));
      try {
        const runs = await listRuns(runtime.deps.pool, {
          limit: Number.parseInt(opts.limit, 10) || 30,
          ...(state ? { state } : {}),
          ...(opts.job ? { job: opts.job } : {}),
          ...(opts.namespace ? { namespace: opts.namespace } : {}),
        });
        if (opts.json) {
          console.log(JSON.stringify(runs, null, 2));
          return;
        }
        console.log(table(
          ['id', 'job', 'run', 'try', 'state', 'started (UTC)', 'duration', 'error'],
          runs.map((r) => [
            r.id, clip(`${r.job.namespace}/${r.job.name}`, 44), clip(r.run_key, 24), r.attempts, r.state,
            shortTime(r.started_at), r.duration_ms === null ? '' : `${Math.round(r.duration_ms / 1000)}s`,
            clip(r.error_message, 50),
          ]),
        ));
      } finally {
        await runtime.close();
      }
    });
}
