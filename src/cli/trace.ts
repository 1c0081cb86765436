import type { Command } from 'commander';
import { openRuntime } from '../runtime.ts';
import { datasetLookup } from '../trace/datasets.ts';
import { renderOrigin, renderTrace } from '../trace/render.ts';
import type { TraceDeps } from '../trace/build.ts';
import { originOfIncident, originOfService, traceService } from '../trace/service.ts';
import { configOrExit, quiet } from './config.ts';

type NotFound = { kind: 'not-found'; what: string };

/** Opens the store, runs `work` against its trace lookups, and prints what it found, or why nothing (exiting 1). */
async function printed<R extends { kind: string }>(work: (deps: TraceDeps) => Promise<R | NotFound>, render: (found: Exclude<R, NotFound>) => string): Promise<void> {
  const runtime = await openRuntime(quiet(configOrExit()));
  try {
    const out = await work({ db: runtime.deps.pool, datasets: datasetLookup(runtime.deps.pool) });
    if (out.kind === 'not-found') {
      process.exitCode = 1;
      console.error((out as NotFound).what);
      return;
    }
    console.log(render(out as Exclude<R, NotFound>));
  } finally {
    await runtime.close();
  }
}

function timeOption(at: string | undefined): Date {
  const t = at ? new Date(at) : new Date();
  if (Number.isNaN(t.getTime())) throw new Error(`--at: "${at}" is not a date-time`);
  return t;
}

export function registerTrace(program: Command): void {
  program.command('trace').argument('<service>', 'service name')
    .description('trace a service instance across every system: runs, datasets, links, against their usual times')
    .option('--key <key>', 'a run key of the instance (its DAG run id, workflow name …)', 'latest')
    .option('--at <time>', 'as it stood at this time (ISO 8601); the instance running then, without --key')
    .option('--json', 'print JSON')
    .action(async (service: string, opts: { key: string; at?: string; json?: boolean }) => {
      const at = timeOption(opts.at);
      await printed((deps) => traceService(deps, service, opts.key, at), (out) => (opts.json ? JSON.stringify(out.trace, null, 2) : renderTrace(out.trace)));
    });

  program.command('origin').argument('[incident]', 'incident id')
    .description('where a problem began: an incident, or with --service a service instance; ranked candidates, evidence, blast radius')
    .option('--service <name>', 'a service instead of an incident')
    .option('--key <key>', 'with --service: a run key of the instance', 'latest')
    .option('--at <time>', 'as it stood at this time (ISO 8601)')
    .option('--json', 'print JSON')
    .action(async (incident: string | undefined, opts: { service?: string; key: string; at?: string; json?: boolean }) => {
      const at = timeOption(opts.at);
      const id = Number(incident);
      if (!opts.service && !(Number.isSafeInteger(id) && id > 0)) throw new Error('give an incident id, or --service NAME');
      const ask = (deps: TraceDeps) => (opts.service ? originOfService(deps, opts.service, opts.key, at) : originOfIncident(deps, id, at));
      await printed(ask, (out) => (opts.json ? JSON.stringify(out.report, null, 2) : renderOrigin(out.report)));
    });
}
