import type { Command } from 'commander';
import { listAudit, type AuditRow } from '../approvals/audit.ts';
import { listProposals } from '../approvals/proposals-sql.ts';
import { AuditQuery } from '../approvals/schema.ts';
import { agentLine } from './agent-lines.ts';
import { openRuntime } from '../runtime.ts';
import { configOrExit, quiet } from './config.ts';
import { clip, shortTime, table } from './table.ts';

/** The one line of a step that says what happened, beyond its kind. */
export function auditLine(e: Pick<AuditRow, 'kind' | 'detail'>): string {
  const d = e.detail;
  const s = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : '');
  const n = (k: string) => (typeof d[k] === 'number' ? (d[k] as number) : null);
  const kindOf = (v: unknown) => (typeof v === 'object' && v !== null && 'kind' in v ? String((v as { kind: unknown }).kind) : '');
  const min = (ms: number | null) => (ms === null ? '' : `${Math.round(ms / 60_000)} min`);
  switch (e.kind) {
    case 'decision.taken':
      return s('joined') || `${kindOf(d.action)}: ${s('reason') || s('policy_id')}`;
    case 'approval.requested': {
      const r = d.requirement as { kind?: string; groups?: string[]; count?: number } | undefined;
      return `${r?.kind === 'quorum' ? `${r.count ?? 2} of` : 'one of'} ${(r?.groups ?? []).join(', ')}; expires ${s('expires_at').slice(11, 16)} UTC (${s('expiry_reason')})`;
    }
    case 'approval.vote':
      return d.code ? `refused (${String(d.code)}): ${s('reason')}` : `${s('verdict')} v${String(d.action_version)} via ${s('via')}${s('reason') ? `: ${s('reason')}` : ''}`;
    case 'approval.modified':
      return `${kindOf(d.from)} → ${JSON.stringify(d.to)} (v${String(d.action_version)})${s('reason') ? `: ${s('reason')}` : ''}`;
    case 'approval.approved':
      return `by ${((d.approvers ?? []) as string[]).join(', ')}`;
    case 'approval.rejected':
    case 'approval.expired':
    case 'approval.escalated':
    case 'execution.not_executed':
      return s('reason') || s('because') || s('expires_at');
    case 'execution.queued':
      return `${kindOf(d.action)} at ${kindOf(d.target)}, not before ${s('not_before').slice(11, 19)} UTC`;
    case 'execution.claimed':
      return `try ${String(n('attempt') ?? '?')}${d.took_over ? ', taking over from a worker that may have called' : ''}`;
    case 'execution.reconciled':
      return `${s('verdict')}: ${s('detail')}`;
    case 'execution.sent': {
      const r = d.request as { method?: string; url?: string; detail?: string } | undefined;
      return r?.url ? `${r.method ?? ''} ${r.url}` : (r?.detail ?? '');
    }
    case 'execution.executed':
    case 'execution.retrying':
    case 'execution.failed':
    case 'verification.succeeded':
    case 'verification.failed':
    case 'verification.expired':
      return s('detail');
    case 'incident.resolved':
      return `by ${s('action')}, ${min(n('time_to_recover_ms'))} after the first failure`;
    case 'proposal.made':
      return `proposal ${String(n('proposal_id'))}: ${s('policy_id')}'s action, ungated for this signature (${String(n('successes'))} of ${String(n('attempts'))} worked)`;
    case 'agent.started':
    case 'agent.step':
    case 'agent.refused':
    case 'agent.resumed':
    case 'agent.finished':
      return agentLine(d);
    default: {
      const never: never = e.kind;
      return never;
    }
  }
}

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
