/** One loaded policy as the policies page shows it: what it matches, does and needs, and its text. */
import { describeAction } from '../../policies/action.ts';
import type { Approval, Guardrails, Policy } from '../../policies/schema.ts';
import { html, type Html } from '../html.ts';
import type { PolicySource } from './policy-lint.ts';

/** Who must approve, in words. */
export function describeApproval(a: Approval): string {
  switch (a.kind) {
    case 'none': return 'none: it acts on its own';
    case 'one_of': return `one of ${a.groups.join(', ')}${a.separation_of_duties ? ', not whoever asked' : ''}`;
    case 'quorum': return `${a.count} of ${a.groups.join(', ')}${a.separation_of_duties ? ', not whoever asked' : ''}`;
    default: {
      const never: never = a;
      return never;
    }
  }
}

/** The guardrails in words, one a line; empty when there is none. */
export function describeGuardrails(g: Guardrails): string[] {
  const out: string[] = [];
  if (g.budget) out.push(`budget: at most ${g.budget.max} per ${g.budget.per} in ${g.budget.window_minutes} min, then escalate`);
  if (g.breaker) out.push(`storm breaker: ${g.breaker.failures} failures of one signature within ${g.breaker.within_minutes} min hold downstream, with no more retries`);
  for (const w of g.maintenance ?? []) out.push(`maintenance: ${w.days.join(', ')} ${w.from}–${w.to} ${w.timeZone}, nothing done automatically`);
  return out;
}

const json = (value: unknown) => html`<pre class="json"><code>${JSON.stringify(value, null, 2)}</code></pre>`;

/**
 * A policy's article, anchored `policy-<id>` (the approval page links to it); `backtest` is its
 * backtest figures or the box that fetches them.
 */
export function policyArticle(p: Policy, rank: number, source: PolicySource | undefined, backtest: Html): Html {
  const match = Object.keys(p.match).length ? json(p.match) : html`<span class="muted">everything: an empty match applies to every ${p.on}</span>`;
  const guardrails = describeGuardrails(p.guardrails);
  const params = Object.keys(p.action).length > 1;
  return html`<article class="policy" id="policy-${p.id}" aria-labelledby="policy-${p.id}-h">
<h3 id="policy-${p.id}-h"><span class="muted">${rank}.</span> <code>${p.id}</code> <span class="badge">${p.on}</span> ${p.mode === 'shadow' ? html`<span class="badge warn">shadow</span>` : html`<span class="badge">enforce</span>`}</h3>
<p>${p.description}</p>
<dl class="facts">
<dt>Priority</dt><dd>${p.priority}</dd>
<dt>Match</dt><dd>${match}</dd>
<dt>Action</dt><dd><strong>${describeAction(p.action)}</strong>${params ? json(p.action) : ''}</dd>
<dt>Approval</dt><dd>${describeApproval(p.approval)}</dd>
<dt>Guardrails</dt><dd>${guardrails.length ? html`<ul class="plain">${guardrails.map((g) => html`<li>${g}</li>`)}</ul>` : html`<span class="muted">none</span>`}</dd>
<dt>Source</dt><dd>${source ? html`<code>${source.file}:${source.line}</code>` : html`<span class="muted">not found in the folder as it is now</span>`}</dd>
</dl>
<h4>Backtest</h4>
${backtest}
<details><summary>Its text</summary>
${source ? html`<p class="muted">As written in <code>${source.file}</code> (the folder as it is now):</p><pre class="yaml"><code>${source.yaml}</code></pre>` : ''}
<p class="muted">As loaded, defaults filled in:</p>${json(p)}
</details>
</article>`;
}
