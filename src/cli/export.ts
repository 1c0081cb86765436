import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { anonymiseHistory } from '../policies/anonymise-history.ts';
import { historyLines } from '../policies/history-file.ts';
import { storedEmbedder } from '../policies/history-sql.ts';
import { loadHistory } from '../policies/history.ts';
import { embedderFor, openRuntime } from '../runtime.ts';
import { configOrExit, quiet } from './config.ts';
import { parseSince } from './policies-backtest.ts';

interface HistoryOptions { since: string; anonymise?: boolean; keepNames?: boolean; output?: string }

/** Exits 2 with the reason: the command line asked for something that cannot be done. */
function usage(message: string): void {
  process.stderr.write(`medic export history: ${message}\n`);
  process.exitCode = 2;
}

export function registerExport(program: Command): void {
  const exported = program.command('export').description('export history for use without the store: failures, how they ended, what happened next (NDJSON)');
  exported.command('history')
    .description('the failed attempts since a time with their signatures, how their incidents ended and what happened next, for medic policies diff --history')
    .option('--since <when>', 'how far back: 30d, 12h, 2w, or an ISO 8601 date', '30d')
    .option('--anonymise', 'replace job, namespace, source, service and run names, host names, IP and e-mail addresses and people by keyed hashes (a new key each export)')
    .option('--keep-names', 'with --anonymise, keep job, namespace, source and service names (policies that name jobs then still match)')
    .option('--output <file>', 'write to this file instead of stdout')
    .action(async (opts: HistoryOptions) => {
      const now = new Date();
      const since = parseSince(opts.since, now);
      if (!since) return usage(`--since: "${opts.since}" is neither a duration (30d, 12h, 2w, 30m) nor a date`);
      if (opts.keepNames && !opts.anonymise) return usage('--keep-names goes with --anonymise');
      const config = quiet(configOrExit());
      const runtime = await openRuntime(config);
      try {
        const db = runtime.deps.pool;
        let history = await loadHistory(db, since, now, await storedEmbedder(db));
        if (opts.anonymise) history = await anonymiseHistory(history, randomBytes(32), embedderFor(config), { keepNames: opts.keepNames === true });
        const text = `${historyLines(history, now).join('\n')}\n`;
        if (opts.output) await writeFile(opts.output, text);
        else process.stdout.write(text);
        process.stderr.write(`${history.failures.length} failed attempts since ${since.toISOString()}${opts.anonymise ? ', anonymised' : ''}\n`);
      } finally {
        await runtime.close();
      }
    });
}
