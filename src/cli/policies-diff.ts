import type { Command } from 'commander';
import { warmupMinutes } from '../policies/backtest.ts';
import { COUNTER_NAMES } from '../policies/diff-counters.ts';
import { diffRevisions, EXAMPLES, type Revision } from '../policies/diff.ts';
import { cannotCompare } from '../policies/diff-checks.ts';
import { policyDiffJsonSchema } from '../policies/diff-schema.ts';
import { checkGates, parseGate, type Gate } from '../policies/fail-if.ts';
import { loadHistory, type ReplayHistory } from '../policies/history.ts';
import { embedderFor, openRuntime } from '../runtime.ts';
import { configOrExit, quiet } from './config.ts';
import { parseSince } from './policies-backtest.ts';
import { policiesDir } from './policies-dir.ts';
import { embedderForHistory, historyFile, loadRevision, type Got } from './policies-diff-inputs.ts';
import { renderCannotCompare, renderDiffMarkdown, renderDiffText } from './policies-diff-render.ts';

const FORMATS = ['text', 'json', 'markdown'] as const;
type Format = (typeof FORMATS)[number];
const DAY = 86_400_000;
/** How far back the store is read when `--since` is not given. @defaultValue 30 days */
const DEFAULT_DAYS = 30;

interface DiffOptions { base?: string; head?: string; history?: string; since?: string; format: string; failIf: string[]; examples: string; schema?: boolean }

/** Exit 2: the revisions cannot be compared; the reason on stderr, and on stdout in a JSON or Markdown report's place. */
function cannot(message: string, format: Format): void {
  process.stderr.write(`medic policies diff: ${message}\n`);
  if (format !== 'text') console.log(renderCannotCompare(message, format));
  process.exitCode = 2;
}

function unwrap<T>(got: Got<T>, format: Format): T | undefined {
  if (got.kind === 'ok') return got.value;
  cannot(got.message, format);
  return undefined;
}

async function compare(opts: DiffOptions, format: Format, gates: Gate[]): Promise<void> {
  const config = quiet(configOrExit());
  const now = new Date();
  const since = opts.since === undefined ? undefined : parseSince(opts.since, now);
  if (opts.since !== undefined && !since) return cannot(`--since: "${opts.since}" is neither a duration (30d, 12h, 2w, 30m) nor a date`, format);
  const file = opts.history === undefined ? undefined : unwrap(await historyFile(opts.history), format);
  if (opts.history !== undefined && !file) return;
  const embedder = unwrap(file ? embedderForHistory(file.embedder, config) : { kind: 'ok', value: embedderFor(config) }, format);
  if (!embedder) return;
  const headDir = policiesDir(opts.head);
  const head = unwrap(await loadRevision(headDir, headDir, embedder, 'head'), format);
  const base = head && unwrap(await loadRevision(opts.base ?? '', headDir, embedder, 'base'), format);
  if (!head || !base) return;
  const window = since ?? file?.from ?? new Date(now.getTime() - DEFAULT_DAYS * DAY);
  const history = file ?? (await fromStore(config, window, now, embedder.id, [base, head]));
  const why = cannotCompare(base.set, head.set, history, window);
  if (why) return cannot(why, format);
  const report = diffRevisions(base, head, history, window, Math.max(0, Number.parseInt(opts.examples, 10) || 0));
  report.gates = checkGates(gates, report.counters);
  console.log(format === 'json' ? JSON.stringify(report, null, 2) : format === 'markdown' ? renderDiffMarkdown(report) : renderDiffText(report));
  if (report.gates.some((g) => g.tripped)) process.exitCode = 1;
}

/** The failures stored since `since`, and the warm-up before it that the longer of the two revisions needs. */
async function fromStore(config: ReturnType<typeof configOrExit>, since: Date, now: Date, embedder: string, revisions: Revision[]): Promise<ReplayHistory> {
  const runtime = await openRuntime(config);
  try {
    const warmup = Math.max(...revisions.map((r) => warmupMinutes(r.set)));
    return await loadHistory(runtime.deps.pool, new Date(since.getTime() - warmup * 60_000), now, embedder);
  } finally {
    await runtime.close();
  }
}

export function registerDiff(policies: Command): void {
  policies.command('diff').description('what would this policy change have done? the same history replayed through two revisions, decision by decision')
    .option('--base <ref|dir>', 'the revision to compare with: a git revision (its copy of the head folder, e.g. origin/main) or a folder')
    .option('--head <dir>', 'the candidate policy folder (default: MEDIC_POLICIES_DIR or the shipped policies/)')
    .option('--history <file>', 'an exported history (medic export history); without it, the store')
    .option('--since <when>', `compare the failures since: 30d, 12h, 2w, or an ISO 8601 date (default: ${DEFAULT_DAYS}d of the store, or all of a history file)`)
    .option('--format <format>', `${FORMATS.join(', ')}`, 'text')
    .option('--fail-if <threshold>', `exit 1 when COUNTER OP NUMBER holds, e.g. unrecoverable_retries>0; repeatable. Counters: ${COUNTER_NAMES.join(', ')}`, (v: string, all: string[]) => [...all, v], [])
    .option('--examples <n>', 'how many changed decisions to show', String(EXAMPLES))
    .option('--schema', 'print the JSON Schema of the --format json report')
    .action(async (opts: DiffOptions) => {
      if (opts.schema) {
        console.log(JSON.stringify(policyDiffJsonSchema(), null, 2));
        return;
      }
      const format = FORMATS.find((f) => f === opts.format);
      if (!format) return cannot(`--format: ${opts.format} is not one of ${FORMATS.join(', ')}`, 'text');
      if (!opts.base) return cannot('--base is required: a git revision (origin/main) or a policy folder', format);
      const gates: Gate[] = [];
      for (const expression of opts.failIf) {
        const g = parseGate(expression);
        if (g.kind === 'invalid') return cannot(g.message, format);
        gates.push(g.gate);
      }
      await compare(opts, format, gates);
    });
}
