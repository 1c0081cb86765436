import type { Command } from 'commander';
import { ACTIONS_FOR, type ActionKind } from '../policies/action.ts';
import { backtest, type BacktestReport } from '../policies/backtest.ts';
import { OUTCOMES, verdictOf } from '../policies/backtest-score.ts';
import { formatIssue } from '../policies/check.ts';
import { loadPolicySet, policyFiles } from '../policies/load.ts';
import { embedderFor, openRuntime } from '../runtime.ts';
import { configOrExit, quiet } from './config.ts';
import { policiesDir } from './policies-dir.ts';
import { shortTime, table } from './table.ts';

const UNITS: Record<string, number> = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90d`, `12h`, `2w`, `30m` before `now`, or an ISO 8601 date; undefined when it is neither. */
export function parseSince(text: string, now: Date): Date | undefined {
  const m = /^(\d+)\s*(m|min|h|d|w)$/.exec(text.trim());
  if (m) return new Date(now.getTime() - Number(m[1]) * (UNITS[m[2] ?? 'd'] ?? 0));
  const at = /^\d{4}-\d{2}-\d{2}/.test(text) ? new Date(text) : undefined;
  return at && !Number.isNaN(at.getTime()) ? at : undefined;
}

const pct = (x: number, of: number) => (of ? `${Math.round((x / of) * 100)} %` : '');
const MARK = { right: '✓', wrong: '✗', unscored: '·' } as const;

/** How each decided action is scored, one line per group of actions scored alike. */
function scoringLegend(): string[] {
  const groups = new Map<string, string[]>();
  for (const kind of ACTIONS_FOR.failure) {
    const right = OUTCOMES.filter((o) => verdictOf(kind, o) === 'right');
    const wrong = OUTCOMES.filter((o) => verdictOf(kind, o) === 'wrong');
    const rule = right.length + wrong.length ? `right if ${right.join(', ') || '—'}; wrong if ${wrong.join(', ') || '—'}` : 'not scored';
    groups.set(rule, [...(groups.get(rule) ?? []), kind]);
  }
  return [...groups.entries()].map(([rule, kinds]) => `  ${kinds.join(', ')}: ${rule}`);
}

/** The report as an engineer reads it in a terminal: counts, trips, agreement and the confusion table. */
export function renderBacktest(r: BacktestReport, dir: string): string {
  const sc = r.scorecard;
  const sortDesc = (x: Record<string, number>) => Object.entries(x).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const lines = [
    `Backtest of ${dir} (revision ${r.revision}) over the failures since ${shortTime(r.since)} UTC`,
    `  ${r.failures} failures replayed${r.first ? `, ${shortTime(r.first)} to ${shortTime(r.last)} UTC` : ''}; ${r.approvals} approvals requested`,
    '',
    'Decisions by action',
    table(['action', 'decisions', 'share'], sortDesc(r.byAction).map(([k, n]) => [k, n, pct(n, r.failures)])),
    '',
    'Decisions by policy',
    table(['policy', 'decisions', 'share'], sortDesc(r.byPolicy).map(([k, n]) => [k, n, pct(n, r.failures)])),
    '',
    'Guardrail trips (the guardrail replaced the policy\'s action)',
    table(['guardrail', 'trips'], Object.entries(r.guardrails).map(([k, n]) => [k === 'sla' ? 'sla (needs forecasts)' : k, n])),
    '',
    'Shadow policies (matched beside the decision, never acted on)',
    Object.keys(r.shadow).length ? table(['policy', 'matched'], sortDesc(r.shadow)) : '  none matched',
    '',
    `Agreement with how each incident ended: ${sc.right} right, ${sc.wrong} wrong, ${sc.unscored} not scored` +
      (r.agreement === null ? '' : ` — ${Math.round(r.agreement * 100)} % of the scored decisions were right`),
    table(['decided \\ ended by', ...OUTCOMES], Object.entries(sc.confusion).sort((a, b) => a[0].localeCompare(b[0])).map(([kind, row]) => [
      kind, ...OUTCOMES.map((o) => (row[o] ? `${row[o]} ${MARK[verdictOf(kind as ActionKind, o)]}` : '-')),
    ])),
    `  ${MARK.right} right  ${MARK.wrong} wrong  ${MARK.unscored} not scored (open: unresolved, or the recorded fix failed)`,
    '',
    'How a decision is scored against what ended its incident',
    ...scoringLegend(),
    '',
    'Notes',
    ...r.notes.map((n) => `  - ${n}`),
  ];
  return lines.join('\n');
}

export function registerBacktest(policies: Command): void {
  policies.command('backtest').description('replay stored failures through a policy set: what would it have decided, and was it right?')
    .option('--since <when>', 'how far back: 90d, 12h, 2w, or an ISO 8601 date', '90d')
    .option('--dir <dir>', 'the candidate policy folder (default: MEDIC_POLICIES_DIR or the shipped policies/)')
    .option('--json', 'print the report as JSON, with every replayed decision')
    .action(async (opts: { since: string; dir?: string; json?: boolean }) => {
      const since = parseSince(opts.since, new Date());
      if (!since) throw new Error(`--since: "${opts.since}" is neither a duration (90d, 12h, 2w, 30m) nor a date`);
      const config = quiet(configOrExit());
      const dir = policiesDir(opts.dir);
      // The set's classes are embedded as the stored signatures were, so that similarities compare.
      const loaded = await loadPolicySet(await policyFiles(dir), embedderFor(config));
      if (loaded.kind === 'invalid') {
        for (const i of loaded.issues) console.error(formatIssue(i, dir));
        process.exitCode = 1;
        return;
      }
      const runtime = await openRuntime(config);
      try {
        const report = await backtest(runtime.deps.pool, loaded.set, since);
        console.log(opts.json ? JSON.stringify(report, null, 2) : renderBacktest(report, dir));
      } finally {
        await runtime.close();
      }
    });
}
