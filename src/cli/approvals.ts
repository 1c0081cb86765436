import type { Command } from 'commander';
import { approvalDetail } from '../approvals/approvals.ts';
import { cliVoter, refusalError } from '../approvals/identity.ts';
import { ApprovalStatus } from '../approvals/schema.ts';
import { listApprovals } from '../approvals/sql.ts';
import { castVote, modifyApproval, type ModifyOutcome, type VoteOutcome } from '../approvals/vote.ts';
import type { Deps } from '../deps.ts';
import type { Requirement } from '../approvals/schema.ts';
import { withDeps } from './config.ts';
import { clip, shortTime, table } from './table.ts';

const who = (r: Requirement) => (r.kind === 'quorum' ? `${r.count} of ${r.groups.join(', ')}` : `one of ${r.groups.join(', ')}`);

type Detail = NonNullable<Awaited<ReturnType<typeof approvalDetail>>>;

/** An approval as an on-call engineer reads it: the action, why, what it would send, who has said what. */
export function renderApproval(d: Detail): string {
  const dry = d.dry_run as { kind: string; method?: string; url?: string; body?: unknown; detail?: string };
  const impact = (d.evidence.impact ?? {}) as { useful_until?: string | null; tightest_service?: string | null };
  const fixes = (d.evidence.success_rates ?? []) as { summary: string }[];
  const lines = [
    `Approval ${d.id} — ${d.status} (${d.approvals.have} of ${d.approvals.need} approvals; ${who(d.requirement)}${d.requirement.separation_of_duties ? ', not the requester' : ''})`,
    `  action     ${JSON.stringify(d.action)} (version ${d.action_version})`,
    `  policy     ${d.policy_id ?? '(none)'}; asked by ${d.requester ?? 'unknown'}${d.incident_id ? `; incident ${d.incident_id}` : ''}`,
    `  why        ${clip(String(d.evidence.reason ?? ''), 110)}`,
    ...fixes.slice(0, 2).map((f) => `  history    ${f.summary}`),
    `  expires    ${d.expires_at.toISOString()}${d.expiry_reason === 'sla' ? ` — the last moment it helps ${impact.tightest_service ?? 'the SLA'}` : ' (TTL)'}`,
    dry.kind === 'request' ? `  dry run    ${dry.method} ${dry.url}\n             ${JSON.stringify(dry.body)}` : `  dry run    nothing would be sent: ${dry.detail ?? ''}`,
  ];
  for (const v of d.votes) lines.push(`  vote       ${v.approver}: ${v.verdict} (v${v.action_version}, via ${v.via})${v.reason ? ` — ${v.reason}` : ''}`);
  if (d.execution) lines.push(`  execution  ${d.execution.id}: ${d.execution.state}${d.execution.verification ? `, verification ${d.execution.verification}` : ''}`);
  return lines.join('\n');
}


/** Prints what a vote came to; a refusal sets the exit code. */
function report(deps: Deps, id: number, outcome: VoteOutcome | ModifyOutcome): void {
  if (outcome.kind === 'not_found') {
    process.exitCode = 1;
    console.error(`approval ${id} does not exist`);
    return;
  }
  if (outcome.kind === 'refused') {
    process.exitCode = 1;
    console.error(`refused (${refusalError(outcome).code}): ${outcome.reason}`);
    return;
  }
  if (outcome.kind === 'modified') return console.log(`approval ${id}: the action is now version ${outcome.version}; earlier approvals no longer count`);
  console.log(`approval ${id}: ${outcome.status}${outcome.executionId ? `; execution ${outcome.executionId} queued` : ''}`);
  // The in-process queue ends with this command; the store keeps the execution for the next `medic serve` to pick up.
  if (outcome.executionId && deps.queue.kind === 'in-process') console.log('  it runs in `medic serve` (its heal sweep picks up executions queued here)');
}

export function registerApprovals(program: Command): void {
  program.command('approvals').description('approval requests, newest first')
    .option('--status <status>', `only requests in this status (${ApprovalStatus.options.join(', ')})`)
    .option('--limit <n>', 'how many', '30')
    .option('--json', 'print JSON')
    .action(async (opts: { status?: string; limit: string; json?: boolean }) => {
      const status = opts.status === undefined ? undefined : ApprovalStatus.parse(opts.status);
      await withDeps(async (deps) => {
        const rows = await listApprovals(deps.pool, { limit: Number.parseInt(opts.limit, 10) || 30, ...(status ? { status } : {}) });
        if (opts.json) return console.log(JSON.stringify(rows, null, 2));
        console.log(table(['id', 'status', 'action', 'policy', 'who may approve', 'asked by', 'expires (UTC)', 'incident'],
          rows.map((a) => [a.id, a.status, a.action.kind, a.policy_id, who(a.requirement), a.requester, shortTime(a.expires_at), a.incident_id])));
      });
    });

  program.command('approval').argument('<id>', 'approval id').description('one approval request: evidence, dry run, votes, execution')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => withDeps(async (deps) => {
      const d = await approvalDetail(deps.pool, Number.parseInt(id, 10));
      if (!d) {
        process.exitCode = 1;
        return console.error(`approval ${id} does not exist`);
      }
      console.log(opts.json ? JSON.stringify(d, null, 2) : renderApproval(d));
    }));

  program.command('approve').argument('<id>', 'approval id').description('approve the current version of the action')
    .option('--as <name>', 'who approves (default: MEDIC_USER, then the OS user); must be a configured approver')
    .option('--reason <text>', 'why')
    .action(async (id: string, opts: { as?: string; reason?: string }) => withDeps(async (deps) => {
      const n = Number.parseInt(id, 10);
      report(deps, n, await castVote(deps, n, cliVoter(opts.as, deps.config.user), 'approve', opts.reason ?? null));
    }));

  program.command('reject').argument('<id>', 'approval id').description('reject the request, saying why')
    .requiredOption('--reason <text>', 'why (required)')
    .option('--as <name>', 'who rejects (default: MEDIC_USER, then the OS user)')
    .action(async (id: string, opts: { as?: string; reason: string }) => withDeps(async (deps) => {
      const n = Number.parseInt(id, 10);
      report(deps, n, await castVote(deps, n, cliVoter(opts.as, deps.config.user), 'reject', opts.reason));
    }));

  program.command('modify').argument('<id>', 'approval id').description('change the delay or the rerun\'s task within the policy\'s bounds')
    .option('--delay <seconds>', 'wait this long before acting')
    .option('--from-task <task>', 'rerun from this task of the same run')
    .option('--as <name>', 'who modifies (default: MEDIC_USER, then the OS user)')
    .option('--reason <text>', 'why')
    .action(async (id: string, opts: { delay?: string; fromTask?: string; as?: string; reason?: string }) => withDeps(async (deps) => {
      const n = Number.parseInt(id, 10);
      const change = { delay_s: opts.delay === undefined ? undefined : Number.parseInt(opts.delay, 10), from_task: opts.fromTask };
      report(deps, n, await modifyApproval(deps, n, cliVoter(opts.as, deps.config.user), change, opts.reason ?? null));
    }));
}
