/** The backtest as the policies page and the approval page show it, from the per-process cache. */
import { OUTCOMES, type Outcome } from '../../policies/backtest-score.ts';
import type { Policy } from '../../policies/schema.ts';
import { ago, percent, span, when, type Formats } from '../format.ts';
import { html, type Html } from '../html.ts';
import type { Cached } from './background-cache.ts';
import { BACKTEST_DAYS, type BacktestSummary, type PolicyFigures } from './backtest-summary.ts';
import { table } from './live-region.ts';

const ENDED: Record<Outcome, string> = {
  retry: 'recovered by a retry', next_run: 'recovered by the next run', rerun: 'rerun by people', manual: 'fixed by hand', noise: 'noise', open: 'still open, or the fix failed',
};

const nonZero = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).filter(([, n]) => n > 0));
const counts = (r: Record<string, number>) => Object.entries(r).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
const list = (r: Record<string, number>, label = (k: string) => k) => counts(r).map(([k, n], i) => html`${i ? ', ' : ''}${label(k)} ${n}`);

/** While the backtest is computed: a box that asks again in two seconds (htmx), and a link for a browser without scripts. */
function computing(f: Formats, src: string, since: Date, tag: 'section' | 'div', id: string, link: string): Html {
  const inner = html`<p role="status">Computing the backtest over the last ${BACKTEST_DAYS} days… <span class="muted">(started ${ago(f, since)})</span></p>
<p><a href="${link}">Reload to see it</a> once it is done.</p>`;
  return tag === 'section'
    ? html`<section class="region" id="${id}" aria-labelledby="${id}-h" hx-get="${src}" hx-trigger="load delay:2s" hx-swap="outerHTML"><h2 id="${id}-h">Backtest</h2>${inner}</section>`
    : html`<div class="backtest" id="${id}" hx-get="${src}" hx-trigger="load delay:2s" hx-swap="outerHTML">${inner}</div>`;
}

function age(f: Formats, c: Extract<Cached<BacktestSummary>, { kind: 'ready' }>): Html {
  const s = c.value;
  return html`<p class="muted">Revision <code>${s.revision}</code>, computed ${ago(f, c.at)} in ${span(s.tookMs)} over the failures since ${when(f, s.since)}${c.refreshing ? '; a newer one is being computed' : ''}.</p>`;
}

/** The whole set's backtest: counts, then one row per policy. */
export function backtestRegion(f: Formats, c: Cached<BacktestSummary>): Html {
  if (c.kind === 'computing') return computing(f, '/policies/backtest', c.since, 'section', 'backtest', '/policies#backtest');
  const head = html`<h2 id="backtest-h">Backtest: the last ${BACKTEST_DAYS} days</h2>`;
  if (c.kind === 'failed') {
    return html`<section class="region" id="backtest" aria-labelledby="backtest-h">${head}<p class="notice error" role="alert">The backtest failed ${ago(f, c.at)}: ${c.error}. It is tried again a minute after.</p></section>`;
  }
  const s = c.value;
  const rows = counts(Object.fromEntries(Object.entries(s.perPolicy).map(([id, p]) => [id, p.decisions]))).map(([id]) => policyRow(id, s.perPolicy[id] as PolicyFigures));
  return html`<section class="region" id="backtest" aria-labelledby="backtest-h">${head}
${age(f, c)}
<p>${s.failures} failures replayed${s.first ? html` (${when(f, s.first)} to ${when(f, s.last)})` : ''}: ${s.approvals} would have asked for an approval.
${s.agreement === null ? 'None could be scored against how its incident ended.' : html`Against how each incident ended: ${s.scorecard.right} right, ${s.scorecard.wrong} wrong, ${s.scorecard.unscored} not scored — <strong>${percent(s.agreement)}</strong> of the scored decisions right.`}</p>
<p>By action: ${s.failures ? list(s.byAction) : html`<span class="muted">none</span>`}. Guardrails replaced the action: ${Object.values(s.guardrails).some((n) => n > 0) ? list(nonZero(s.guardrails)) : 'never'}.</p>
${table(['Policy', 'Decisions', 'Actions', 'Approvals asked', 'Guardrail trips', 'How the incidents ended', 'Right / wrong / not scored'], rows, 'No failure in the window.')}
${Object.keys(s.shadow).length ? html`<p>Shadow policies matched beside the decision: ${list(s.shadow)}.</p>` : ''}
<details><summary>How to read it</summary><ul>${s.notes.map((n) => html`<li>${n}</li>`)}</ul></details>
</section>`;
}

function policyRow(id: string, p: PolicyFigures): Html {
  return html`<tr><th scope="row">${id === '(no policy)' ? html`<span class="muted">no policy matched</span>` : html`<a href="#policy-${id}"><code>${id}</code></a>`}</th>
<td>${p.decisions}</td><td>${list(p.byAction)}</td><td>${p.approvals}</td><td>${Object.keys(p.guardrails).length ? list(p.guardrails) : '0'}</td>
<td>${outcomes(p)}</td><td>${p.verdicts.right} / ${p.verdicts.wrong} / ${p.verdicts.unscored}</td></tr>`;
}

function outcomes(p: PolicyFigures): Html {
  const known = OUTCOMES.filter((o) => (p.outcomes[o] ?? 0) > 0);
  return html`${known.map((o, i) => html`${i ? ', ' : ''}${ENDED[o]} ${p.outcomes[o] ?? 0}`)}`;
}

/** One policy's figures (the fragment the approval page loads); `policy` is as loaded. */
export function policyBacktest(f: Formats, policy: Policy, c: Cached<BacktestSummary>): Html {
  const id = `backtest-${policy.id}`;
  const src = `/policies/${encodeURIComponent(policy.id)}/backtest`;
  if (c.kind === 'computing') return computing(f, src, c.since, 'div', id, `/policies#policy-${policy.id}`);
  if (c.kind === 'failed') return html`<div class="backtest" id="${id}"><p class="notice error" role="alert">The backtest failed ${ago(f, c.at)}: ${c.error}.</p></div>`;
  const s = c.value;
  const p = s.perPolicy[policy.id];
  const shadow = s.shadow[policy.id] ?? 0;
  const body = policy.on === 'preflight'
    ? html`<p>It decides preflights; the backtest replays failures only.</p>`
    : policy.mode === 'shadow'
      ? html`<p>In shadow mode it never decides: it matched beside the decision ${shadow} ${shadow === 1 ? 'time' : 'times'} of ${s.failures} failures.</p>`
      : !p
        ? html`<p>It would have decided none of the ${s.failures} failures of the last ${BACKTEST_DAYS} days (another policy matched first, or nothing matched it).</p>`
        : html`<p>It would have decided <strong>${p.decisions}</strong> of the ${s.failures} failures of the last ${BACKTEST_DAYS} days${p.first ? html` (${when(f, p.first)} to ${when(f, p.last)})` : ''}: ${list(p.byAction)}; ${p.approvals} asked for an approval${Object.keys(p.guardrails).length ? html`; guardrails replaced its action: ${list(p.guardrails)}` : ''}.</p>
<p>How those incidents ended: ${outcomes(p)}. Right ${p.verdicts.right}, wrong ${p.verdicts.wrong}, not scored ${p.verdicts.unscored}${p.verdicts.right + p.verdicts.wrong ? html` — <strong>${percent(p.verdicts.right / (p.verdicts.right + p.verdicts.wrong))}</strong> right` : ''}.</p>`;
  return html`<div class="backtest" id="${id}">${body}${age(f, c)}</div>`;
}
