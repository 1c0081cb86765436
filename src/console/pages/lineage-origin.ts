/**
 * The lineage page's origin panel: the instance's problems in words, the probable origin with its
 * evidence (or why there is none), the ranked candidates, and the blast radius of the origin.
 */
import type { AnomalyKind, BlastRadius, OriginCandidate, OriginReport, Problem } from '../../trace/types.ts';
import { percent, span, when, type Formats } from '../format.ts';
import { html, type Html } from '../html.ts';
import { table } from './live-region.ts';

const MIN = 60_000;

const ANOMALY: Record<AnomalyKind, string> = {
  failed: 'failed', retried: 'retried', slow: 'ran slow', 'late-start': 'started late',
  'partial-output': 'wrote partial data', 'stale-input': 'did not wait for its input',
};

const VERDICT: Record<OriginCandidate['verdict'], string> = { origin: 'origin', inherited: 'inherited', 'not-origin': 'not the origin' };

function problem(p: Problem): Html {
  switch (p.kind) {
    case 'late': return html`<code>${p.job}</code> ends ${span(p.minutes * MIN)} past ${p.against === 'deadline' ? 'the deadline' : 'the usual finish'}`;
    case 'partial-data': return html`<code>${p.job}</code> wrote <code>${p.dataset}</code> far from its usual size`;
    case 'stale-input': return html`<code>${p.job}</code> read ${p.dataset ? html`<code>${p.dataset}</code>` : 'its input'} before it was written`;
    case 'failure': return html`<code>${p.job}</code> failed`;
    default: {
      const never: never = p;
      return never;
    }
  }
}

const anomalies = (kinds: readonly AnomalyKind[]) => kinds.length
  ? html`${kinds.map((k, i) => html`${i ? ' ' : ''}<span class="badge warn">${ANOMALY[k]}</span>`)}`
  : html`<span class="muted">none</span>`;

/** How sure the report is, as a meter and in words. */
function confidence(c: OriginCandidate): Html {
  return html`<meter min="0" max="1" low="0.4" high="0.7" optimum="1" value="${c.confidence}" aria-label="confidence that ${c.job} is the origin">${percent(c.confidence)}</meter> ${percent(c.confidence)}`;
}

function verdict(r: OriginReport): Html {
  const o = r.origin;
  if (!o) return html`<div class="verdict unknown"><p class="summary">Origin: ${r.unknown ?? 'unknown'}.</p></div>`;
  return html`<div class="verdict"><p class="summary">Probable origin: <code>${o.job}</code>${o.runKey ? html` <span class="muted">run ${o.runKey}</span>` : ''}</p>
<dl class="facts">
<dt>Confidence</dt><dd>${confidence(o)}</dd>
<dt>What it did</dt><dd>${anomalies(o.anomalies)}</dd>
${o.lateMinutes !== null ? html`<dt>Delay it added</dt><dd>${span(o.lateMinutes * MIN)}</dd>` : ''}
<dt>Why</dt><dd>${o.why}</dd>
</dl>
<h3>Evidence</h3>
<ul class="evidence">${o.evidence.map((e) => html`<li>${e}</li>`)}</ul></div>`;
}

function candidates(r: OriginReport): Html {
  return table(['#', 'Job', 'Verdict', 'Anomalies', 'Delay added', 'Why'], r.candidates.map((c, i) => html`<tr class="${c.verdict}">
<td>${i + 1}</td>
<th scope="row"><code>${c.job}</code>${c.runKey ? html`<br><span class="muted">run ${c.runKey}</span>` : ''}</th>
<td><span class="badge ${c.verdict}">${VERDICT[c.verdict]}</span>${c.verdict === 'origin' ? html`<br>${confidence(c)}` : ''}</td>
<td>${anomalies(c.anomalies)}</td>
<td>${c.lateMinutes === null ? html`<span class="muted">—</span>` : span(c.lateMinutes * MIN)}</td>
<td>${c.why}${c.evidence.length && c !== r.origin ? html`<details><summary>Evidence</summary><ul class="evidence">${c.evidence.map((e) => html`<li>${e}</li>`)}</ul></details>` : ''}</td>
</tr>`), 'No run of this instance did anything unusual.');
}

function timeLeft(minutes: number | null): Html {
  if (minutes === null) return html`<span class="muted">—</span>`;
  if (minutes < 0) return html`<span class="late">${span(minutes * MIN)} past it</span>`;
  return minutes < 30 ? html`<span class="soon">${span(minutes * MIN)} left</span>` : html`${span(minutes * MIN)} left`;
}

const serviceLink = (name: string) => (name.includes('/')
  ? html`<code>${name}</code>`
  : html`<a href="/services/${encodeURIComponent(name)}">${name}</a>`);

function blast(f: Formats, b: BlastRadius, origin: string): Html {
  const sentence = b.proposal ? `${b.proposal.charAt(0).toUpperCase()}${b.proposal.slice(1)}.` : `Nothing downstream of ${origin} has run yet: there is nothing to rerun.`;
  return html`<h3>Blast radius</h3>
<p class="summary">${sentence}</p>
${b.reruns.length ? html`<h4>Runs to rerun, in order</h4>
<ol class="reruns">${b.reruns.map((x) => html`<li><code>${x.job}</code>${x.runKey ? html` <span class="muted">run ${x.runKey}</span>` : ''} <span class="badge">${x.orchestrator}</span></li>`)}</ol>` : ''}
<h4>Services it reaches</h4>
${table(['Service', 'Deadline', 'Time left'], b.services.map((s) => html`<tr><th scope="row">${serviceLink(s.service)}</th><td>${when(f, s.deadline)}</td><td>${timeLeft(s.minutesLeft)}</td></tr>`), 'No service.')}`;
}

/** The origin panel's body: problems, verdict, candidates and blast radius. */
export function originPanel(f: Formats, r: OriginReport): Html {
  return html`<h3>Problems</h3>
${r.problems.length ? html`<ul class="problems">${r.problems.map((p) => html`<li>${problem(p)}</li>`)}</ul>` : html`<p class="empty">No problem seen in this instance.</p>`}
${verdict(r)}
<h3>Candidates, most probable first</h3>
${candidates(r)}
${r.blast && r.origin ? blast(f, r.blast, r.origin.job) : ''}`;
}
