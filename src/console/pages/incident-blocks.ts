/**
 * The parts of the incident page below its header: the runs and attempts it holds across
 * orchestrators, the agent's runs, the approvals and executions, and how past incidents of the
 * same signature ended.
 */
import { z } from 'zod';
import { auditLine } from '../../approvals/audit-lines.ts';
import type { AuditRow } from '../../approvals/audit.ts';
import type { ApprovalRow } from '../../approvals/schema.ts';
import type { AgentRunRow } from '../../agent/sql.ts';
import type { IncidentView } from '../../incidents/read-sql.ts';
import { Action, describeAction } from '../../policies/action.ts';
import type { ExecutionRow } from '../../remediation/execute-sql.ts';
import { clip, percent, span, when, type Formats } from '../format.ts';
import { html, type Html } from '../html.ts';
import type { TimelineAttempt } from './incidents-sql.ts';
import { table } from './live-region.ts';

/** The runs of the incident, newest failure first, each with all its attempts (a retry that worked included). */
export function timelineTable(f: Formats, runOrder: readonly number[], attempts: readonly TimelineAttempt[], failed: ReadonlySet<string>): Html {
  const byRun = new Map<number, TimelineAttempt[]>();
  for (const a of attempts) byRun.set(a.run_id, [...(byRun.get(a.run_id) ?? []), a]);
  const rows = runOrder.flatMap((runId) => (byRun.get(runId) ?? []).map((a, i, all) => html`<tr${i === 0 ? html` class="run-start"` : ''}>
${i === 0 ? html`<td rowspan="${all.length}">${a.job}<br><span class="muted">${a.source} · ${a.orchestrator}</span></td>
<td rowspan="${all.length}"><code>${a.run_key}</code><br><span class="badge ${a.run_state}">${a.run_state}</span></td>` : ''}
<td>${a.attempt}${failed.has(`${a.run_id}/${a.attempt}`) ? html` <span class="badge warn">this incident</span>` : ''}</td>
<td><span class="badge ${a.state}">${a.state}</span></td>
<td>${when(f, a.started_at)}</td>
<td>${when(f, a.ended_at)}</td>
<td>${a.duration_ms === null ? html`<span class="muted">—</span>` : span(a.duration_ms)}</td>
<td>${a.error_message ? html`<code>${clip(a.error_message, 200)}</code>` : ''}</td>
</tr>`));
  return table(['Job (source · orchestrator)', 'Run', 'Attempt', 'State', 'Started', 'Ended', 'Duration', 'Failure'], rows, 'No run is recorded for this incident.');
}

// What an agent run stored, read loosely: rows written by older versions must still show.
const Hypothesis = z.object({ class: z.string(), confidence: z.number(), evidence: z.array(z.string()).catch([]) });
const Diagnosis = z.object({ hypotheses: z.array(Hypothesis), by: z.string().catch(''), fallback: z.string().nullable().catch(null) });
const Proposal = z.object({
  option: z.object({ action: z.unknown(), policyId: z.string().nullable().catch(null), gated: z.boolean().catch(false) }),
  by: z.string().catch(''), rationale: z.string().catch(''),
});
const Outcome = z.object({ kind: z.string(), detail: z.string().optional() });

/** An agent run with its steps as the audit log keeps them. */
export interface AgentRunView {
  run: AgentRunRow;
  steps: Pick<AuditRow, 'id' | 'at' | 'actor' | 'kind' | 'detail'>[];
}

/** An agent run: its hypotheses, ranked, with their evidence; what it proposed; how it ended; each step. */
export function agentRunBlock(f: Formats, { run, steps }: AgentRunView): Html {
  const diagnosis = Diagnosis.safeParse(run.diagnosis);
  const proposal = Proposal.safeParse(run.proposal);
  const outcome = Outcome.safeParse(run.outcome);
  const action = proposal.success ? Action.safeParse(proposal.data.option.action) : undefined;
  return html`<article class="agent-run" aria-labelledby="agent-${run.id}-h">
<h3 id="agent-${run.id}-h">Agent run #${run.id}: <span class="badge ${run.status}">${run.status.replaceAll('_', ' ')}</span></h3>
<p class="muted">${run.agent} v${run.prompt_version} on ${run.model}, asked by ${run.requested_by} ${when(f, run.created_at)} · ${run.used.steps ?? 0} of ${run.budget.maxSteps} steps, ${run.used.tokens ?? 0} of ${run.budget.maxTokens} tokens</p>
${diagnosis.success ? html`<ol class="hypotheses">${diagnosis.data.hypotheses.map((h) => html`<li><strong>${h.class}</strong> <meter min="0" max="1" value="${h.confidence}" aria-label="confidence in ${h.class}">${percent(h.confidence)}</meter> ${percent(h.confidence)}
<ul>${h.evidence.map((e) => html`<li>${e}</li>`)}</ul></li>`)}</ol>
${diagnosis.data.fallback ? html`<p class="muted">The planner decided: ${diagnosis.data.fallback}</p>` : ''}` : html`<p class="empty">No diagnosis yet.</p>`}
${proposal.success ? html`<p>Proposed <strong>${action?.success ? describeAction(action.data) : 'an action'}</strong> by ${proposal.data.by}, ${proposal.data.option.policyId ? html`within policy <code>${proposal.data.option.policyId}</code>` : 'safe without a policy'}${proposal.data.option.gated ? ', waiting for people' : ''}: ${proposal.data.rationale}</p>` : ''}
${run.approval_id !== null ? html`<p><a href="/approvals/${run.approval_id}">Approval #${run.approval_id} of this proposal</a></p>` : ''}
${outcome.success ? html`<p>Ended: <strong>${outcome.data.kind.replaceAll('_', ' ')}</strong>${outcome.data.detail ? `: ${outcome.data.detail}` : ''}</p>` : ''}
${table(['When', 'Step', 'What'], steps.map((s) => html`<tr><td>${when(f, s.at)}</td><td>${typeof s.detail.step === 'string' ? s.detail.step : s.kind}</td><td>${clip(auditLine(s), 300)}</td></tr>`), 'No step recorded yet.')}
</article>`;
}

type ApprovalSummary = Omit<ApprovalRow, 'evidence' | 'dry_run'>;

/** The approvals asked for about the incident, each linking to its page. */
export function approvalsTable(f: Formats, rows: readonly ApprovalSummary[]): Html {
  return table(['Approval', 'Action', 'Policy', 'Status', 'Asked', 'Decided'], rows.map((a) => html`<tr>
<td><a href="/approvals/${a.id}">Approval #${a.id}</a></td>
<td>${describeAction(a.action)}</td>
<td>${a.policy_id ? html`<code>${a.policy_id}</code>` : html`<span class="muted">—</span>`}</td>
<td><span class="badge ${a.status}">${a.status}</span></td>
<td>${when(f, a.created_at)}</td>
<td>${when(f, a.decided_at)}</td>
</tr>`), 'No approval was asked for.');
}

/** What was carried out about the incident, each linking to its audit log. */
export function executionsTable(f: Formats, rows: readonly ExecutionRow[]): Html {
  return table(['Execution', 'Action', 'State', 'Allowed by', 'Created'], rows.map((e) => html`<tr>
<td><a href="/audit?execution=${e.id}">Execution #${e.id}</a>${e.approval_id ? html`<br><a class="muted" href="/approvals/${e.approval_id}">approval #${e.approval_id}</a>` : ''}</td>
<td>${describeAction(e.action)}<br><span class="muted">${e.source}</span></td>
<td><span class="badge ${e.state}">${e.state}</span>${e.verification ? html`<br><span class="muted">verification ${e.verification}</span>` : ''}</td>
<td>${e.actor}</td>
<td>${when(f, e.created_at)}</td>
</tr>`), 'Nothing was executed.');
}

/** How an incident ended, in one phrase. */
export function endedAs(r: IncidentView['resolution']): Html {
  if (!r) return html`<span class="muted">—</span>`;
  return html`${r.action} by ${r.actor}: <span class="badge ${r.outcome}">${r.outcome}</span>${r.time_to_recover_ms ? ` after ${span(r.time_to_recover_ms)}` : ''}`;
}

/** Earlier incidents of the same signature and how each ended. */
export function historyTable(f: Formats, rows: readonly IncidentView[]): Html {
  return table(['Incident', 'Job', 'Opened', 'Status', 'How it ended'], rows.map((i) => html`<tr>
<td><a href="/incidents/${i.id}">Incident #${i.id}</a></td>
<td>${i.job.namespace}/${i.job.name}</td>
<td>${when(f, i.opened_at)}</td>
<td><span class="badge ${i.status}">${i.status}</span></td>
<td>${endedAs(i.resolution)}</td>
</tr>`), 'No other incident had this signature.');
}
