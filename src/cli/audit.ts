import type { Command } from 'commander';
import { listAudit, type AuditRow } from '../approvals/audit.ts';
import { auditLine } from '../approvals/audit-lines.ts';
import { listProposals } from '../approvals/proposals-sql.ts';
import { AuditQuery } from '../approvals/schema.ts';
import { openRuntime } from '../runtime.ts';
import { configOrExit, quiet } from './config.ts';
import { clip, shortTime, table } from './table.ts';

/** A story, oldest step first. */
export function renderAudit(rows: readonly AuditRow[]): string {
  return table(['#', 'at (UTC)', 'actor', 'step', 'approval', 'execution', 'what'],
    rows.map((e) => [e.id, shortTime(e.at), e.actor, e.kind, e.approval_id, e.execution_id, clip(auditLine(e), 90)]));
}

export function registerAudit(program: Command): void {
  program.command('audit').description('the audit log of one incident, decision, approval or execution, oldest first')
    .option('--incident <id>').option('--decision <uuid>').option('--approval <id>').option('--execution <id>')
    .option('--json', 'print JSON')
    .action(async (opts: { incident?: string; decision?: string; approval?: string; execution?: string; json?: boolean }) => {
      const q = AuditQuery.safeParse({ incident: opts.incident, decision: opts.decision, approval: opts.approval, execution: opts.execution });
      if (!q.success) {
        console.error(`medic audit: ${q.error.issues[0]?.message ?? 'invalid'}`);
        process.exitCode = 2;
        return;
      }
      const runtime = await openRuntime(quiet(configOrExit()));
      try {
        const rows = await listAudit(runtime.deps.pool, q.data);
        console.log(opts.json ? JSON.stringify(rows, null, 2) : renderAudit(rows));
      } finally {
        await runtime.close();
      }
    });
}

/** `medic policies proposals`: what Medic proposes to run without approval, for people to review. */
export function registerProposals(policies: Command): void {
  policies.command('proposals').description('policies Medic proposes from track records (never applied by Medic)')
    .option('--status <status>', 'open, dismissed or applied-elsewhere')
    .option('--yaml', 'print each proposal\'s YAML')
    .option('--json', 'print JSON')
    .action(async (opts: { status?: string; yaml?: boolean; json?: boolean }) => {
      const runtime = await openRuntime(quiet(configOrExit()));
      try {
        const rows = await listProposals(runtime.deps.pool, { limit: 100, ...(opts.status ? { status: opts.status } : {}) });
        if (opts.json) return console.log(JSON.stringify(rows, null, 2));
        console.log(table(['id', 'status', 'signature', 'action', 'outranks', 'record', 'proposed (UTC)'],
          rows.map((p) => [p.id, p.status, p.signature_id, p.action, p.policy_id, `${String(p.evidence.successes)} of ${String(p.evidence.attempts)}`, shortTime(p.created_at)])));
        if (opts.yaml) for (const p of rows) console.log(`\n# proposal ${p.id}\n${p.yaml}`);
      } finally {
        await runtime.close();
      }
    });
}
