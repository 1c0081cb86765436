/** One decision as a page: what it said, why, what it led to, and the steps the audit log keeps. */
import { z } from 'zod';
import type { AuditRow } from '../../approvals/audit.ts';
import type { DecisionRow } from '../../decide/log-sql.ts';
import { Action, describeAction } from '../../policies/action.ts';
import type { RevisionRow } from '../../policies/revisions-sql.ts';
import { when, type Formats } from '../format.ts';
import { html, type Html } from '../html.ts';
import { auditTimeline } from './audit.ts';
import type { DecisionConsequences } from './decisions-sql.ts';
import { jsonBlock } from './evidence.ts';
import { table } from './live-region.ts';
import { revisionByline, revisionLink } from './policy-revision.ts';

// The result as logged, read loosely: rows logged by older versions of Medic must still show.
const ActionLike = z.object({ kind: z.string() }).loose();
const Result = z.object({
  reason: z.string().catch(''),
  delay_s: z.number().catch(0),
  proposed: ActionLike.nullable().catch(null),
  guardrail: z.object({ kind: z.string(), detail: z.string() }).loose().nullable().catch(null),
  shadow: z.array(z.object({ policy_id: z.string(), action: ActionLike, reason: z.string().catch('') })).catch([]),
  explanation: z.array(z.object({ policy_id: z.string(), priority: z.number().catch(0), mode: z.string().catch(''), matched: z.boolean(), because: z.string().catch('') })).catch([]),
  degraded: z.object({ reason: z.string() }).nullable().catch(null),
});

/** "retry in 60 s" when the action is one Medic knows, its kind otherwise. */
function described(a: z.infer<typeof ActionLike>): string {
  const known = Action.safeParse(a);
  return known.success ? describeAction(known.data) : a.kind.replaceAll('_', ' ');
}

/** The page's sections: the decision, why, what it led to, its input and result, its audit log. */
export function decisionBody(f: Formats, d: DecisionRow, led: DecisionConsequences, audit: readonly AuditRow[], revision: RevisionRow | undefined): Html {
  const parsed = Result.safeParse(d.result);
  const r = parsed.success ? parsed.data : Result.parse({});
  return html`<section class="region" aria-labelledby="summary-h"><h2 id="summary-h">The decision</h2>
<dl class="facts">
<dt>When</dt><dd>${when(f, d.created_at)}</dd>
<dt>Kind</dt><dd>${d.kind}</dd>
<dt>Job</dt><dd><a href="/decisions?job=${encodeURIComponent(d.job)}" aria-label="Decisions about ${d.job}">${d.job}</a>${d.run_key ? html`, run <code>${d.run_key}</code>` : ''}${d.attempt ? `, attempt ${d.attempt}` : ''}</dd>
<dt>Result</dt><dd><strong>${d.action.replaceAll('_', ' ')}</strong>${r.delay_s ? ` in ${r.delay_s} s` : ''}${d.requires_approval ? html` <span class="badge pending">waits for approval</span>` : ''}${d.enforced ? '' : html` <span class="badge">not enforced</span>`}${d.degraded ? html` <span class="badge warn">degraded</span>` : ''}</dd>
<dt>Policy</dt><dd>${d.policy_id ? html`<a href="/policies#policy-${d.policy_id}"><code>${d.policy_id}</code></a>` : 'none matched'}</dd>
<dt>Revision</dt><dd>${revision ? html`${revisionLink(revision.id)} <span class="muted">${revisionByline(revision)}</span>` : html`<code>${d.policy_revision}</code> <span class="muted">loaded from the policy folder, not a stored revision</span>`}</dd>
${d.signature_id ? html`<dt>Signature</dt><dd><a href="/incidents?status=all&amp;signature=${d.signature_id}">Incidents of signature #${d.signature_id}</a></dd>` : ''}
</dl>
</section>
<section class="region" aria-labelledby="why-h"><h2 id="why-h">Why</h2>
${r.reason ? html`<p>${r.reason}</p>` : ''}
${r.degraded ? html`<p class="notice error">Medic could not decide and answered its safe default: ${r.degraded.reason}</p>` : ''}
${r.guardrail ? html`<p>Guardrail <strong>${r.guardrail.kind}</strong> replaced ${r.proposed ? html`<strong>${described(r.proposed)}</strong>` : 'the policy\'s action'}: ${r.guardrail.detail}</p>` : ''}
${!r.guardrail && r.proposed ? html`<p>The policy asked for <strong>${described(r.proposed)}</strong>; it was replaced.</p>` : ''}
<h3>Policies considered</h3>
${table(['Policy', 'Priority', 'Mode', 'Matched', 'Because'], r.explanation.map((e) => html`<tr>
<td><code>${e.policy_id}</code></td><td>${e.priority}</td><td>${e.mode}</td><td>${e.matched ? 'yes' : 'no'}</td><td>${e.because}</td></tr>`), 'No policy explanation was logged.')}
${r.shadow.length ? html`<h3>Shadow policies (logged, never acted on)</h3><ul>${r.shadow.map((s) => html`<li><code>${s.policy_id}</code> would have done <strong>${described(s.action)}</strong>${s.reason ? `: ${s.reason}` : ''}</li>`)}</ul>` : ''}
</section>
<section class="region" aria-labelledby="led-h"><h2 id="led-h">What it led to</h2>
${consequences(led)}
</section>
<section class="region" aria-labelledby="io-h"><h2 id="io-h">Input and result as logged</h2>
<div class="cols"><div><h3>Input</h3>${jsonBlock(d.input)}</div><div><h3>Result</h3>${jsonBlock(d.result)}</div></div>
</section>
<section class="region" aria-labelledby="audit-h"><h2 id="audit-h">Audit log</h2>
${auditTimeline(f, audit, { decision: d.id })}
<p><a href="/audit?decision=${d.id}">The audit log of this decision on its own page</a></p>
</section>`;
}

function consequences(led: DecisionConsequences): Html {
  const items: Html[] = [];
  if (led.approval) items.push(html`<li><a href="/approvals/${led.approval.id}">Approval #${led.approval.id}</a>: ${led.approval.status}</li>`);
  if (led.execution) items.push(html`<li><a href="/audit?execution=${led.execution.id}">Execution #${led.execution.id}</a>: ${led.execution.state}${led.execution.verification ? `, verification ${led.execution.verification}` : ''}</li>`);
  if (led.agentRun) items.push(html`<li>Agent run #${led.agentRun.id} on <a href="/incidents/${led.agentRun.incident_id}">incident #${led.agentRun.incident_id}</a>: ${led.agentRun.status.replaceAll('_', ' ')}</li>`);
  return items.length ? html`<ul>${items}</ul>` : html`<p class="empty">No approval, execution or agent run: the answer went back to the caller.</p>`;
}
