import type { Command } from 'commander';
import { openRuntime } from '../runtime.ts';
import { findTimeBuffers } from '../sla/insights.ts';
import { configOrExit, quiet } from './config.ts';
import { table } from './table.ts';

const hhmm = (m: number) => `${String(Math.floor(m / 60) % 24).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

export function registerBuffers(program: Command): void {
  program.command('buffers').description('downstream jobs that start on a clock rather than on their inputs')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const runtime = await openRuntime(quiet(configOrExit()));
      try {
        const found = await findTimeBuffers(runtime.deps.pool, new Date());
        if (opts.json) return console.log(JSON.stringify(found, null, 2));
        if (found.length === 0) return console.log('no time buffers found on the declared dependencies of the services');
        console.log(table(['upstream → downstream', 'runs', 'starts (UTC)', 'input spread', 'started early', 'worst early', 'idle (median)'],
          found.map((b) => [`${b.upstream} → ${b.downstream}`, b.instances, `${hhmm(b.startMinute)} ±${b.startSpreadMin} min`, `${b.upstreamSpreadMin} min`,
            b.startedBeforeInput, `${b.worstEarlyMin} min`, `${b.medianIdleMin} min`])));
      } finally {
        await runtime.close();
      }
    });
}
