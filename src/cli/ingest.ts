import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { buildHandlers } from '../handlers.ts';
import { ingest, type IngestSummary } from '../ingest/ingest.ts';
import { Orchestrator } from '../runs/schema.ts';
import { openRuntime } from '../runtime.ts';
import { configOrExit, quiet } from './config.ts';
import { readPayloads } from './read-payloads.ts';

interface IngestOptions {
  source: string;
  instance?: string;
  timeZone?: string;
  batchSize: string;
  json?: boolean;
}

export function registerIngest(program: Command): void {
  program.command('ingest').argument('<file>', 'a JSON file, an NDJSON file, or - for stdin')
    .description('ingest run events from a file, in an orchestrator\'s own format')
    .requiredOption('--source <adapter>', `the format: ${Orchestrator.options.join(', ')}`)
    .option('--instance <name>', 'the source instance, e.g. airflow-prod')
    .option('--time-zone <zone>', 'for timestamps that carry none (Control-M)')
    .option('--batch-size <n>', 'payloads per transaction', '500')
    .option('--json', 'print the per-item results as JSON')
    .action(async (file: string, opts: IngestOptions) => {
      const orchestrator = Orchestrator.parse(opts.source);
      const { payloads, errors } = await readPayloads(file);
      const config = quiet(configOrExit());
      const runtime = await openRuntime(config);
      const { deps } = runtime;
      if (deps.queue.kind === 'in-process') deps.queue.startWorkers(buildHandlers(deps), { concurrency: 2 });
      const batch = Math.max(1, Number.parseInt(opts.batchSize, 10) || 500);
      const bar = process.stderr.isTTY ? new SingleBar({ stream: process.stderr, format: 'ingest [{bar}] {value}/{total} payloads' }) : undefined;
      bar?.start(payloads.length, 0);
      const total: IngestSummary = { accepted: 0, duplicate: 0, ignored: 0, rejected: 0, items: [] };
      try {
        for (let i = 0; i < payloads.length; i += batch) {
          const s = await ingest(deps, {
            orchestrator, timeZone: opts.timeZone ?? config.timeZone, items: payloads.slice(i, i + batch),
            receivedAt: deps.clock(), ...(opts.instance ? { source: opts.instance } : {}),
          });
          accumulate(total, s, i);
          bar?.update(Math.min(i + batch, payloads.length));
        }
        bar?.stop();
        await deps.queue.drain(120_000).catch(() => undefined);
      } finally {
        await runtime.close();
      }
      report(total, errors, opts.json === true);
      if (total.rejected > 0 || errors.length > 0) process.exitCode = 1;
    });
}

function accumulate(total: IngestSummary, s: IngestSummary, offset: number): void {
  total.accepted += s.accepted;
  total.duplicate += s.duplicate;
  total.ignored += s.ignored;
  total.rejected += s.rejected;
  total.items.push(...s.items.map((item) => ({ ...item, index: item.index + offset })));
}

function report(total: IngestSummary, unreadable: string[], json: boolean): void {
  if (json) {
    console.log(JSON.stringify({ ...total, unreadable }, null, 2));
    return;
  }
  for (const line of unreadable) console.error(`unreadable ${line}`);
  for (const item of total.items) {
    if (item.status !== 'rejected') continue;
    for (const issue of item.issues) console.error(`rejected item ${item.index}: ${issue.path.join('.') || '(payload)'}: ${issue.message}`);
  }
  console.log(`accepted ${total.accepted}, duplicate ${total.duplicate}, ignored ${total.ignored}, rejected ${total.rejected + unreadable.length}`);
}
