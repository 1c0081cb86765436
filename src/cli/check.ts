import { Option, type Command } from 'commander';
import { checkRepository } from '../check/check.ts';
import { exitCodeOf } from '../check/finding.ts';
import { FORMATS, formatReport, type Format } from '../check/format.ts';
import { summaryLine } from '../check/format-text.ts';
import { layoutOf } from '../check/layout.ts';
import { openFileHistory } from '../check/file-history.ts';
import { openStoreHistory, type OpenedHistory } from '../check/store-history.ts';
import { PROMPTS_DIR } from '../runtime.ts';
import { configOrExit } from './config.ts';

interface CheckOptions {
  format: Format;
  strict?: boolean;
  policies?: string;
  services?: string;
  prompts?: string;
  approvers?: string;
  store?: boolean;
  history?: string;
}

/** The export's jobs as the check's history; an unreadable export exits 2, as a wrong command line does. */
async function fromFile(path: string): Promise<OpenedHistory | undefined> {
  const read = await openFileHistory(path);
  if (read.kind === 'ok') return { history: read.history, close: async () => {} };
  process.stderr.write(`medic check: --history: ${read.message}\n`);
  process.exitCode = 2;
  return undefined;
}

export function registerCheck(program: Command): void {
  program.command('check').argument('[dir]', 'the configuration repository', '.')
    .description('check a configuration repository as a whole: policies, services, prompts, approvers and what they name in one another')
    .addOption(new Option('--format <format>', 'how to write the findings').choices(FORMATS).default('text'))
    .option('--strict', 'exit 1 on warnings too')
    .option('--policies <dir>', 'policy files and their *.test.yaml cases (default: DIR/policies)')
    .option('--services <dir>', 'service definitions (default: DIR/services)')
    .option('--prompts <dir>', 'agent prompts (default: DIR/prompts)')
    .option('--approvers <file>', 'the approvers, as MEDIC_APPROVERS lists them (default: DIR/approvers.yaml, else MEDIC_APPROVERS)')
    .option('--store', "check the services' jobs against the store; fail when it cannot be read")
    .option('--no-store', "skip the services' jobs (by default they are checked when a store is configured)")
    .addOption(new Option('--history <file>', "check the services' jobs against an export (medic export history) instead of the store").conflicts('store'))
    .action(async (dir: string, opts: CheckOptions) => {
      const config = configOrExit();
      const { store, format, strict, history, ...given } = opts;
      const opened = history === undefined ? await openStoreHistory({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }, store) : await fromFile(history);
      if (!opened) return;
      try {
        const envApprovers = config.approvers.length ? config.approvers : undefined;
        const report = await checkRepository(layoutOf(dir, given), { envApprovers, shippedPrompts: PROMPTS_DIR, history: opened.history });
        process.stdout.write(formatReport(report, format));
        // A machine-read format keeps stdout to itself; people reading the CI log still see the count.
        if (format !== 'text') process.stderr.write(`${summaryLine(report)}\n`);
        process.exitCode = exitCodeOf(report.findings, strict ?? false);
      } finally {
        await opened.close();
      }
    });
}
