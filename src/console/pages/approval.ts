import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { castVote, modifyApproval, type ModifyOutcome, type VoteOutcome } from '../../approvals/vote.ts';
import { AppError } from '../../errors.ts';
import { describeAction } from '../../policies/action.ts';
import { percent, until, when, type Formats } from '../format.ts';
import { html, type Html } from '../html.ts';
import { personOf, sendHtml, type ConsoleKit } from '../kit.ts';
import { csrfField, notice, page, type View } from '../layout.ts';
import { approverOf, can } from '../person.ts';
import { approvalView, type ApprovalView } from './approval-view.ts';
import { excerptBlock, fixesList, jsonBlock, signatureBlock, similarTable } from './evidence.ts';
import { liveRegion, table } from './live-region.ts';

const Id = z.object({ id: z.coerce.number().int().positive() });
const Version = z.coerce.number().int().min(1);
const VoteForm = z.object({ _csrf: z.string(), version: Version, reason: z.string().trim().max(2_000).optional() });
const ModifyForm = z.object({
  _csrf: z.string(), version: Version, reason: z.string().trim().max(2_000).optional(),
  delay_s: z.union([z.literal(''), z.coerce.number().int().min(0)]).optional(),
  from_task: z.string().trim().max(500).optional(),
});

/** Words for what a vote or a modification did, shown after the redirect (`?done=`). */
const DONE = { approved: 'Approved: the action is carried out.', rejected: 'Rejected: nothing runs.', voted: 'Your vote is recorded; more approvals are needed.', modified: 'Modified: a new version waits for approval.' } as const;

/** The approval page: the action, its evidence and its clock beside Approve, Reject and Modify. */
export function approvalRoutes(root: FastifyInstance, kit: ConsoleKit): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { deps } = kit;
  const load = async (req: FastifyRequest, id: number) => {
    const v = await approvalView(deps.pool, id, personOf(req), deps.config.approvers, deps.policies.current().policies, deps.clock());
    if (!v) throw new AppError('not_found', `approval ${id} does not exist`);
    return v;
  };
  const show = async (req: FastifyRequest, reply: FastifyReply, id: number, message: Html | null, status = 200) => {
    const view = kit.view(req, reply);
    const v = await load(req, id);
    return sendHtml(reply, page(view, { title: `Approval #${id}: ${describeAction(v.detail.action)}`, section: 'approvals', live: true, body: approvalBody(view, v, message) }), status);
  };

  app.get('/approvals/:id', { schema: { hide: true, params: Id, querystring: z.object({ done: z.enum(['approved', 'rejected', 'voted', 'modified']).optional() }) } },
    async (req, reply) => show(req, reply, req.params.id, req.query.done ? notice('ok', DONE[req.query.done]) : null));
  app.get('/approvals/:id/state', { schema: { hide: true, params: Id } }, async (req, reply) => {
    const view = kit.view(req, reply);
    return sendHtml(reply, stateRegion(view, await load(req, req.params.id), null));
  });

  const answer = async (req: FastifyRequest, reply: FastifyReply, id: number, outcome: VoteOutcome | ModifyOutcome) => {
    switch (outcome.kind) {
      case 'recorded': return reply.redirect(`/approvals/${id}?done=${outcome.status === 'pending' ? 'voted' : outcome.status}`, 303);
      case 'modified': return reply.redirect(`/approvals/${id}?done=modified`, 303);
      case 'not_found': throw new AppError('not_found', `approval ${id} does not exist`);
      case 'refused': {
        const status = outcome.code === 'out_of_bounds' ? 400 : ['not_an_approver', 'not_in_group', 'separation_of_duties'].includes(outcome.code) ? 403 : 409;
        return show(req, reply, id, notice('error', html`Not done: ${outcome.reason}.`), status);
      }
      default: {
        const never: never = outcome;
        return never;
      }
    }
  };
  const voter = (req: FastifyRequest) => {
    const person = personOf(req);
    if (!can(person, 'approve')) throw new AppError('forbidden', `${person.name} may not vote (no approve scope)`);
    return { name: person.name, via: 'web' as const, approver: approverOf(person, deps.config.approvers) };
  };

  app.post('/approvals/:id/approve', { schema: { hide: true, params: Id, body: VoteForm } }, async (req, reply) => {
    const who = voter(req);
    return answer(req, reply, req.params.id, await castVote(deps, req.params.id, who, 'approve', req.body.reason || null, { actionVersion: req.body.version }));
  });
  app.post('/approvals/:id/reject', { schema: { hide: true, params: Id, body: VoteForm } }, async (req, reply) => {
    const who = voter(req);
    if (!req.body.reason) return show(req, reply, req.params.id, notice('error', 'Say why you reject it: a reason is required.'), 400);
    return answer(req, reply, req.params.id, await castVote(deps, req.params.id, who, 'reject', req.body.reason, { actionVersion: req.body.version }));
  });
  app.post('/approvals/:id/modify', { schema: { hide: true, params: Id, body: ModifyForm } }, async (req, reply) => {
    const who = voter(req);
    const delay = req.body.delay_s === '' ? undefined : req.body.delay_s;
    const task = req.body.from_task || undefined;
    if (delay === undefined && task === undefined) return show(req, reply, req.params.id, notice('error', 'Change the delay or the task to rerun from.'), 400);
    return answer(req, reply, req.params.id, await modifyApproval(deps, req.params.id, who, { delay_s: delay, from_task: task }, req.body.reason || null, { actionVersion: req.body.version }));
  });
}

function approvalBody(view: View, v: ApprovalView, message: Html | null): Html {
  const { detail: a, evidence: e } = v;
  const f = view.formats;
  return html`
${stateRegion(view, v, message)}
<section class="region" aria-labelledby="action-h"><h2 id="action-h">The action, exactly</h2>
<div class="cols">
<div><h3>Parameters (version ${a.action_version})</h3>${jsonBlock(a.action)}</div>
<div><h3>Target</h3>${a.target ? jsonBlock(a.target) : html`<p class="empty">No target could be resolved: nothing would be sent.</p>`}</div>
</div>
<h3>Dry run: the request as it would be sent</h3>${jsonBlock(a.dry_run)}
</section>
<section class="region" aria-labelledby="why-h"><h2 id="why-h">Why</h2>
${e.reason ? html`<p>${e.reason}</p>` : ''}
${v.policy ? html`<p>Policy <a href="/policies#policy-${v.policy.id}"><code>${v.policy.id}</code></a>: ${v.policy.description}</p>
<div id="backtest" hx-get="/policies/${v.policy.id}/backtest" hx-trigger="load" hx-swap="innerHTML"><p><a href="/policies#policy-${v.policy.id}">Its backtest on the last 30 days</a></p></div>`
    : html`<p>Policy <code>${a.policy_id ?? 'none'}</code>${a.policy_id ? ' is no longer loaded.' : ''}</p>`}
${a.requester ? html`<p>Asked by <strong>${a.requester}</strong>${a.proposed_by ? html`, proposed by <strong>${a.proposed_by}</strong>` : ''}.</p>` : ''}
</section>
${slaRegion(f, v)}
<section class="region" aria-labelledby="failure-h"><h2 id="failure-h">The failure</h2>
${v.incident ? html`<p><a href="/incidents/${v.incident.id}">Incident #${v.incident.id}</a> on ${v.incident.job.namespace}/${v.incident.job.name}: ${v.incident.occurrences} failures since ${when(f, v.incident.opened_at)} (${v.incident.status}).</p>` : ''}
${e.signature ? signatureBlock(e.signature) : v.incident ? signatureBlock(v.incident.signature) : ''}
${v.attempt ? excerptBlock(v.attempt.error_message, v.attempt.error_detail) : ''}
</section>
<section class="region" aria-labelledby="similar-h"><h2 id="similar-h">Similar past incidents and what fixed them</h2>
${fixesList(e.success_rates)}
${similarTable(e.similar_incidents.filter((s) => s.incident_id !== a.incident_id))}
</section>
<p><a href="/audit?approval=${a.id}">The audit log of this approval</a></p>`;
}

function slaRegion(f: Formats, v: ApprovalView): Html {
  const impact = v.evidence.impact;
  const useful = impact?.useful_until ?? v.detail.useful_until;
  return html`<section class="region" aria-labelledby="sla-h"><h2 id="sla-h">SLA impact and time to act</h2>
${useful ? html`<p class="act-by">Act by <strong>${when(f, useful)}</strong> (${until(f, useful)}): after that the action no longer helps ${impact?.tightest_service ?? 'the SLA'} in time${impact?.expected_action_min !== undefined ? `, given the ${impact.expected_action_min} min it takes` : ''}.</p>` : html`<p>No service deadline depends on this action.</p>`}
${impact && impact.services.length ? table(['Service', 'Deadline', 'P(breach)', 'Downstream'], impact.services.map((s) => html`<tr>
<td><a href="/services/${encodeURIComponent(s.service)}">${s.service}</a></td><td>${when(f, s.deadline)}</td>
<td>${s.p_breach === null || s.p_breach === undefined ? '—' : percent(s.p_breach)}</td>
<td>${s.downstream.map((d, i) => html`${i ? ', ' : ''}${d.service}${d.deadline ? html` (${when(f, d.deadline)})` : ''}`)}</td></tr>`), '') : ''}
</section>`;
}

/** Status, votes, who may still vote and the forms: the part of the page that changes as people vote. */
function stateRegion(view: View, v: ApprovalView, message: Html | null): Html {
  const a = v.detail;
  const f = view.formats;
  const r = a.requirement;
  const need = `${r.kind === 'quorum' ? `${r.count} approvals` : 'one approval'} from ${r.groups.join(', ')}${r.separation_of_duties ? ', not from whoever asked' : ''}`;
  return liveRegion({
    id: 'decision', topic: 'approvals', src: `/approvals/${a.id}/state`, title: 'Decision', className: `status-${a.status}`,
    body: html`${message ?? ''}
<p class="state"><span class="badge ${a.status}">${a.status}</span> ${a.approvals.have} of ${a.approvals.need} approvals · needs ${need}</p>
${a.status === 'pending' ? html`<p>Expires <strong>${when(f, a.expires_at)}</strong> (${until(f, a.expires_at)}${a.expiry_reason === 'sla' ? ', when the action stops helping the SLA' : ''}).</p>` : ''}
${a.execution ? html`<p>Execution <a href="/audit?execution=${a.execution.id}">#${a.execution.id}</a>: ${a.execution.state}${a.execution.verification ? `, verification ${a.execution.verification}` : ''}.</p>` : ''}
${table(['Who', 'Vote', 'Version', 'Reason', 'Via', 'When'], a.votes.map((vote) => html`<tr><td>${vote.approver}</td><td>${vote.verdict}</td><td>${vote.action_version}</td><td>${vote.reason ?? ''}</td><td>${vote.via}</td><td>${when(f, vote.at)}</td></tr>`), 'No votes yet.')}
${a.status === 'pending' ? html`<p>May still vote: ${v.mayStillVote.length ? v.mayStillVote.join(', ') : 'none of the configured approvers'}${r.groups.length ? ` (and anyone single sign-on puts in ${r.groups.join(' or ')})` : ''}.</p>` : ''}
${a.status === 'pending' ? voteForms(view, v) : ''}`,
  });
}

function voteForms(view: View, v: ApprovalView): Html {
  const a = v.detail;
  const b = v.ballot;
  if (b.kind === 'read_only') return html`<p class="muted">You can read this request; voting needs the approve scope.</p>`;
  if (b.kind === 'refused') return html`<p class="muted">You cannot vote on it: ${b.reason}.</p>`;
  const version = html`<input type="hidden" name="version" value="${a.action_version}">`;
  const modifiable = a.action.kind === 'retry' || a.action.kind === 'rerun';
  return html`<div class="vote">
<form method="post" action="/approvals/${a.id}/approve" class="approve">${csrfField(view)}${version}
<label for="approve-reason">Note (optional)</label><textarea id="approve-reason" name="reason" rows="2" maxlength="2000"></textarea>
<button type="submit" class="primary">Approve ${describeAction(a.action)}</button></form>
<form method="post" action="/approvals/${a.id}/reject" class="reject">${csrfField(view)}${version}
<label for="reject-reason">Why reject it (required)</label><textarea id="reject-reason" name="reason" rows="2" maxlength="2000" required></textarea>
<button type="submit" class="danger">Reject</button></form>
</div>
${modifiable ? html`<details class="modify"><summary>Modify within the policy's bounds</summary>
<form method="post" action="/approvals/${a.id}/modify">${csrfField(view)}${version}
<label for="delay">Wait before acting (seconds, 0–${v.maxDelayS})</label><input id="delay" name="delay_s" type="number" min="0" max="${v.maxDelayS}" inputmode="numeric">
${a.action.kind === 'rerun' && v.tasks ? html`<label for="from-task">Rerun from task</label><select id="from-task" name="from_task"><option value="">(unchanged)</option>${v.tasks.map((t) => html`<option>${t}</option>`)}</select>` : ''}
<label for="modify-reason">Why (optional)</label><input id="modify-reason" name="reason" maxlength="2000">
<button type="submit">Propose this version</button>
<p class="hint">A modification is a new version: earlier approvals no longer count.</p>
</form></details>` : ''}`;
}
