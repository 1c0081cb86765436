/**
 * The audit log in words: one line per step saying what happened beyond its kind. The terminal
 * (`medic audit`, `medic agent show`) and the console's audit page show the same entries, so
 * they read them through this one module.
 */
import type { AuditRow } from './audit.ts';

/** One line of an agent step as people read it: the step, who decided, and what came of it. */
export function agentLine(d: Record<string, unknown>): string {
  const s = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : '');
  if (s('what')) return `refused ${s('what')}: ${s('reason')}`;
  if (s('requested_by')) return `started by ${s('requested_by')} with ${s('prompt')} on ${s('model')}`;
  const out = (d.outputs ?? {}) as Record<string, unknown>;
  const calls = Array.isArray(d.tool_calls) ? (d.tool_calls as { tool?: string; allowed?: boolean }[]) : [];
  const tools = calls.length ? ` [${calls.map((c) => `${c.tool ?? '?'}${c.allowed === false ? ' ✗' : ''}`).join(', ')}]` : '';
  const summary = Object.entries(out).filter(([, v]) => v !== null && v !== undefined).slice(0, 3)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  return `${s('step')} by ${s('by')}${s('prompt') ? ` (${s('prompt')})` : ''}${tools}${summary ? `: ${summary}` : ''}`;
}

/** The one line of a step that says what happened, beyond its kind. */
export function auditLine(e: Pick<AuditRow, 'kind' | 'detail'>): string {
  const d = e.detail;
  const s = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : '');
  const n = (k: string) => (typeof d[k] === 'number' ? (d[k] as number) : null);
  const kindOf = (v: unknown) => (typeof v === 'object' && v !== null && 'kind' in v ? String((v as { kind: unknown }).kind) : '');
  switch (e.kind) {
    case 'decision.taken':
      return s('joined') || `${kindOf(d.action)}: ${s('reason') || s('policy_id')}`;
    case 'decision.recovered':
      return `followed up after a restart${d.approval_id ? `: approval ${String(d.approval_id)}` : d.outcome ? `: ${s('outcome')}` : ''}`;
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
      return resolvedLine(s('action'), s('outcome'), s('via'), s('detail'), n('time_to_recover_ms'));
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

// A verified execution records its time to recover; a person's resolution records the outcome
// they reported and where they said it (the API, the CLI, the console).
function resolvedLine(action: string, outcome: string, via: string, detail: string, ttrMs: number | null): string {
  const parts = [`by ${action}`];
  if (outcome) parts.push(outcome);
  if (via) parts.push(`via ${via}`);
  if (detail) parts.push(detail);
  if (ttrMs !== null) parts.push(`${Math.round(ttrMs / 60_000)} min after the first failure`);
  return parts.join(', ');
}
