/**
 * The lineage page's timeline: one row a job, upstream first, with its run against its usual end
 * in words and as a bar over the instance's span, and under it the datasets it wrote and read.
 */
import { topologicalOrder } from '../../trace/blast.ts';
import type { OriginReport, Trace, TraceDatasetVersion, TraceJob, TraceRead } from '../../trace/types.ts';
import { span, when, type Formats } from '../format.ts';
import { html, type Html } from '../html.ts';

const MIN = 60_000;
/** The bar's drawing width, in the SVG's own units: a thousandth of the instance's span each. */
const WIDTH = 1000;

/** The instance's span as the bars draw it, in minutes after its start. */
interface Scale {
  /** Minutes at the right edge: the latest thing drawn, with a little room. */
  minutes: number;
  deadline: number | null;
  now: number;
}

/**
 * Where the instance stands: a run still going; none going but jobs still to start (the trace
 * calls it live); jobs that never ran and never will (a past instance that stopped); or every job done.
 */
export type Progress = 'running' | 'waiting' | 'stopped' | 'finished';

export function progressOf(t: Trace): Progress {
  if (t.live) return t.jobs.some((j) => j.run && j.run.endedAt === null && j.run.startedAt !== null) ? 'running' : 'waiting';
  return t.jobs.some((j) => !j.run) ? 'stopped' : 'finished';
}

/** Whether the instance may still change: something runs or is still to start. */
export const followed = (p: Progress) => p === 'running' || p === 'waiting';

export function scaleOf(t: Trace): Scale {
  const start = Date.parse(t.start);
  const now = (Date.parse(t.at) - start) / MIN;
  const deadline = t.deadline ? (Date.parse(t.deadline) - start) / MIN : null;
  const ends = t.jobs.flatMap((j) => [j.endMin ?? j.startMin ?? 0, j.usual?.end.p90 ?? 0]);
  return { minutes: Math.max(1, ...ends, deadline ?? 0, followed(progressOf(t)) ? now : 0) * 1.02, deadline, now };
}

const x = (s: Scale, m: number) => Math.round(Math.max(0, Math.min(WIDTH, (m / s.minutes) * WIDTH)));

/**
 * A job's bar: the band of its usual end (p50–p90), its run (to now while it runs), the deadline
 * and, while the instance runs, now. Classes only, so that the stylesheet colours it (CSP, dark mode).
 */
export function bar(s: Scale, j: TraceJob, live: boolean): Html {
  const u = j.usual?.end;
  const end = j.endMin ?? (j.startMin !== null ? s.now : null);
  const state = j.run ? (j.endMin === null ? 'running' : j.run.state) : 'none';
  const range = (a: number, b: number) => (Math.round(a) === Math.round(b) ? `${Math.round(a)}` : `${Math.round(a)}–${Math.round(b)}`);
  const label = [
    j.startMin !== null && end !== null ? `ran ${range(j.startMin, end)}${j.endMin === null ? ' so far' : ''}` : 'no run',
    u ? `usually ends ${range(u.p50, u.p90)}` : null,
    s.deadline !== null ? `deadline ${Math.round(s.deadline)}` : null,
  ].filter(Boolean).join('; ');
  return html`<svg class="bar" viewBox="0 0 ${WIDTH} 18" preserveAspectRatio="none" role="img" aria-label="Minutes after the instance began: ${label}">
${u ? html`<rect class="usual" x="${x(s, u.p50)}" y="1" width="${Math.max(3, x(s, u.p90) - x(s, u.p50))}" height="16"></rect>` : ''}
${j.startMin !== null && end !== null ? html`<rect class="run ${state}" x="${x(s, j.startMin)}" y="5" width="${Math.max(3, x(s, end) - x(s, j.startMin))}" height="8"></rect>` : ''}
${s.deadline !== null ? html`<line class="deadline" x1="${x(s, s.deadline)}" x2="${x(s, s.deadline)}" y1="0" y2="18" vector-effect="non-scaling-stroke"></line>` : ''}
${live ? html`<line class="now" x1="${x(s, s.now)}" x2="${x(s, s.now)}" y1="0" y2="18" vector-effect="non-scaling-stroke"></line>` : ''}
</svg>`;
}

/** How the bars read, with a swatch of each mark. */
function legend(f: Formats, t: Trace, s: Scale): Html {
  const swatch = (mark: Html) => html`<svg class="swatch" viewBox="0 0 24 14" aria-hidden="true" focusable="false">${mark}</svg>`;
  return html`<p class="hint legend">Each bar spans the instance from ${when(f, t.start)} to ${when(f, new Date(Date.parse(t.start) + s.minutes * MIN))}:
${swatch(html`<rect class="usual" x="0" y="1" width="24" height="12"></rect>`)} when the job usually ends (p50–p90),
${swatch(html`<rect class="run completed" x="0" y="4" width="24" height="6"></rect>`)} this run${t.deadline ? html`,
${swatch(html`<line class="deadline" x1="12" x2="12" y1="0" y2="14"></line>`)} the deadline` : ''}${followed(progressOf(t)) ? html`,
${swatch(html`<line class="now" x1="12" x2="12" y1="0" y2="14"></line>`)} the moment shown` : ''}.</p>`;
}

function stateBadge(j: TraceJob): Html {
  const r = j.run;
  if (!r) return html`<span class="badge">no run</span>`;
  if (r.startedAt && !r.endedAt) return html`<span class="badge running">running</span>`;
  if (r.state === 'completed' && r.failedAttempts > 0) return html`<span class="badge completed">completed</span> <span class="muted">after ${r.attempts} attempts</span>`;
  return html`<span class="badge ${r.state}">${r.state}</span>`;
}

function times(f: Formats, j: TraceJob): Html {
  const r = j.run;
  if (!r) return html`<span class="muted">not started</span>`;
  if (!r.startedAt) return html`<span class="muted">due ${when(f, r.scheduledAt)}</span>`;
  return html`${when(f, r.startedAt)}–${r.endedAt ? when(f, r.endedAt) : html`<span class="muted">running</span>`}`;
}

/** The run's end against its usual end (p50), flagged past its p90. */
function versusUsual(j: TraceJob): Html {
  const u = j.usual?.end;
  if (!u) return html`<span class="muted">not enough past instances</span>`;
  if (j.endMin === null) return html`<span class="muted">usually ends +${Math.round(u.p50)} min</span>`;
  const late = j.endMin - u.p50;
  const text = Math.abs(late) < 1 ? 'as usual' : `${late > 0 ? '+' : '−'}${span(late * MIN)}`;
  return j.endMin > u.p90 ? html`<span class="late">${text}, past its p90</span>` : html`${text}`;
}

function attempts(j: TraceJob): Html {
  const r = j.run;
  if (!r) return html`<span class="muted">—</span>`;
  return html`${r.attempts}${r.failedAttempts > 0 ? html` <span class="soon">(${r.failedAttempts} failed)</span>` : ''}`;
}

const rows = (n: number | null) => (n === null ? '?' : n.toLocaleString('en-US'));

function version(v: TraceDatasetVersion): Html {
  return html`<code>${v.dataset}</code>: ${rows(v.rowCount)} rows${v.expectedRows !== null ? ` of ${rows(v.expectedRows)} expected` : ''}${v.suspect
    ? html`; <strong class="late">suspect</strong>: ${v.assessment ?? 'far from its usual size'}` : v.assessment ? html` <span class="muted">(${v.assessment})</span>` : ''}`;
}

function readLine(r: TraceRead): Html {
  const from = r.writer ? html` <span class="muted">written by <code>${r.writer.job}</code> run ${r.writer.runKey}</span>` : '';
  return html`<li${r.stale || r.suspect ? html` class="flagged"` : ''}>read ${version(r)}${from}${r.stale ? html` <strong class="late">stale</strong>: it started before this instance wrote it` : ''}</li>`;
}

/** The datasets a run wrote and read, opened when one of them is suspect or stale. */
function datasets(j: TraceJob): Html {
  if (j.writes.length === 0 && j.reads.length === 0) return html``;
  const flagged = j.writes.filter((w) => w.suspect).length + j.reads.filter((r) => r.stale || r.suspect).length;
  return html`<details${flagged ? html` open` : ''}><summary>Datasets of <code>${j.job}</code>: wrote ${j.writes.length}, read ${j.reads.length}${flagged ? html`, <strong class="late">${flagged} flagged</strong>` : ''}</summary>
<ul class="datasets">${j.writes.map((w) => html`<li${w.suspect ? html` class="flagged"` : ''}>wrote ${version(w)}</li>`)}${j.reads.map(readLine)}</ul>
</details>`;
}

/** The timeline of the instance: a table a job, upstream first, the origin and the runs that inherited its problem marked. */
export function timeline(f: Formats, t: Trace, r: OriginReport): Html {
  const s = scaleOf(t);
  const now = followed(progressOf(t));
  const verdicts = new Map(r.candidates.map((c) => [c.job, c.verdict]));
  const body = topologicalOrder(t).map((j) => {
    const verdict = r.origin?.job === j.job ? 'origin' : verdicts.get(j.job) === 'inherited' ? 'inherited' : null;
    return html`<tr${verdict ? html` class="${verdict}"` : ''}>
<th scope="row"><code>${j.job}</code>${verdict ? html` <span class="badge ${verdict}">${verdict === 'origin' ? 'probable origin' : 'inherited'}</span>` : ''}${j.role === 'feeder' ? html` <span class="badge">feeds it</span>` : ''}</th>
<td>${j.orchestrator}</td><td>${stateBadge(j)}</td><td>${times(f, j)}</td><td>${versusUsual(j)}</td><td>${attempts(j)}</td>
<td class="bar-cell">${bar(s, j, now)}</td>
</tr>${j.writes.length || j.reads.length ? html`<tr class="io"><td colspan="7">${datasets(j)}</td></tr>` : ''}`;
  });
  if (body.length === 0) return html`<p class="empty">No job in this instance.</p>`;
  return html`${legend(f, t, s)}
<div class="scroll" tabindex="0" role="region" aria-label="Timeline of instance ${t.key}"><table class="timeline">
<thead><tr><th scope="col">Job</th><th scope="col">Orchestrator</th><th scope="col">State</th><th scope="col">Start–end</th><th scope="col">vs usual end</th><th scope="col">Attempts</th><th scope="col">Over the instance</th></tr></thead>
<tbody>${body}</tbody>
</table></div>`;
}
