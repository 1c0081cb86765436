/**
 * The lineage page ("where did it start?"): one instance of a service traced across every system,
 * read in the order an on-call engineer asks — the instance, where its problems began, the
 * timeline of its jobs, the links between them. Each part is a region that follows the instance
 * while it runs.
 */
import { DateTime } from 'luxon';
import type { EdgeKind, OriginReport, Trace, TraceEdge } from '../../trace/types.ts';
import { span, when, type Formats } from '../format.ts';
import { html, type Html } from '../html.ts';
import type { Topic } from '../live.ts';
import { originPanel } from './lineage-origin.ts';
import { progressOf, timeline, type Progress } from './lineage-timeline.ts';
import { liveRegion } from './live-region.ts';

const MIN = 60_000;

/** The parts of the page, each a region with its own fragment. */
export const PARTS = ['instance', 'origin', 'timeline', 'links'] as const;
export type Part = (typeof PARTS)[number];

/** What the page shows, and how it stays current. */
export interface LineageView {
  trace: Trace;
  report: OriginReport;
  /** A past moment was asked for (`at`): the view does not change. */
  past: boolean;
  /** Where the regions fetch themselves again (the fragment's URL but for `part`); null when the view does not change. */
  src: string | null;
  topic: Topic;
}

/** Every part of the page, in reading order. */
export function lineageBody(f: Formats, v: LineageView, form: Html): Html {
  return html`${lineageRegion(f, v, 'instance')}
${form}
${lineageRegion(f, v, 'origin')}
${lineageRegion(f, v, 'timeline')}
${lineageRegion(f, v, 'links')}`;
}

/** One part as a region: live while the instance runs, else a plain section of the same shape. */
export function lineageRegion(f: Formats, v: LineageView, part: Part): Html {
  const t = v.trace;
  switch (part) {
    case 'instance': return region(v, part, 'The instance', facts(f, v));
    case 'origin': return region(v, part, 'Where did it start?', originPanel(f, v.report));
    case 'timeline': return region(v, part, 'Timeline', timeline(f, t, v.report), t.jobs.length);
    case 'links': return region(v, part, 'Links between the jobs', links(t.edges), t.edges.length);
    default: {
      const never: never = part;
      return never;
    }
  }
}

function region(v: LineageView, id: Part, title: string, body: Html, count?: number): Html {
  if (v.src) return liveRegion({ id, topic: v.topic, src: `${v.src}${v.src.includes('?') ? '&' : '?'}part=${id}`, title, body, ...(count === undefined ? {} : { count }) });
  return html`<section id="${id}" class="region" aria-labelledby="${id}-h">
<h2 id="${id}-h">${title}${count !== undefined ? html` <span class="count">${count}</span>` : ''}</h2>
${body}
</section>`;
}

/** The instance's deadline against now (while it runs), its finish, or the jobs it never ran. */
function deadlineFacts(f: Formats, t: Trace, p: Progress): Html {
  if (!t.deadline) return html`<span class="muted">none</span>`;
  const deadline = Date.parse(t.deadline);
  const ends = t.jobs.flatMap((j) => (j.run?.endedAt ? [Date.parse(j.run.endedAt)] : []));
  if (p === 'finished' && ends.length) {
    const late = Math.max(...ends) - deadline;
    return html`${when(f, t.deadline)} <span class="${late > 0 ? 'late' : 'muted'}">(its last job ended ${span(late)} ${late > 0 ? 'after' : 'before'} it)</span>`;
  }
  if (p === 'stopped') return html`${when(f, t.deadline)} <span class="late">(missed: not every job ran by then)</span>`;
  const left = deadline - Date.parse(t.at);
  return html`${when(f, t.deadline)} <span class="${left < 0 ? 'late' : left < 30 * MIN ? 'soon' : 'muted'}">(${left < 0 ? `${span(left)} past it` : `${span(left)} left`})</span>`;
}

function subject(t: Trace): Html {
  return t.service.includes('/')
    ? html`<code>${t.service}</code> <span class="muted">(no service holds this job: traced through the lineage upstream of it)</span>`
    : html`<a href="/services/${encodeURIComponent(t.service)}">${t.service}</a>`;
}

/** Where the instance stands, in a badge and in words. */
function state(v: LineageView, p: Progress): Html {
  const t = v.trace;
  const ran = t.jobs.filter((j) => j.run?.startedAt).length;
  const started = `${ran} of ${t.jobs.length} jobs ${v.past ? 'had' : 'have'} started`;
  switch (p) {
    case 'running': return html`<span class="badge running">${v.past ? 'was running' : 'running'}</span> ${started}`;
    case 'waiting': return html`<span class="badge running">${v.past ? 'was waiting' : 'waiting'}</span> ${started}`;
    case 'stopped': return html`<span class="badge failed">stopped</span> ${t.jobs.length - ran} of ${t.jobs.length} jobs never ran`;
    case 'finished': {
      const failed = t.jobs.filter((j) => j.run?.state === 'failed' || j.run?.state === 'aborted').length;
      return failed ? html`<span class="badge failed">ended</span> ${failed} of ${t.jobs.length} jobs failed` : html`<span class="badge completed">finished</span> every job completed`;
    }
    default: {
      const never: never = p;
      return never;
    }
  }
}

function facts(f: Formats, v: LineageView): Html {
  const t = v.trace;
  const start = Date.parse(t.start);
  const p = progressOf(t);
  const feeders = t.jobs.filter((j) => j.role === 'feeder').length;
  return html`<dl class="facts">
<dt>Service</dt><dd>${subject(t)}</dd>
<dt>Instance</dt><dd><code>${t.key}</code></dd>
<dt>Began</dt><dd>${when(f, t.start)}</dd>
<dt>Deadline</dt><dd>${deadlineFacts(f, t, p)}</dd>
<dt>Usually done</dt><dd>${t.usualEnd ? html`by ${when(f, new Date(start + t.usualEnd.p50 * MIN))} <span class="muted">(p90 ${when(f, new Date(start + t.usualEnd.p90 * MIN))})</span>` : html`<span class="muted">not enough past instances to say</span>`}</dd>
<dt>As of</dt><dd>${when(f, t.at)} ${v.past ? html`<span class="badge">a past moment</span>` : html`<span class="muted">(now)</span>`}</dd>
<dt>State</dt><dd>${state(v, p)}</dd>
<dt>Jobs</dt><dd>${t.jobs.length}${feeders ? ` (${feeders} feeding it from outside its definition)` : ''}, ${t.edges.length} links</dd>
</dl>
${t.truncated ? html`<p class="notice error">The trace stops at its ${t.truncated.reason} limit of ${t.truncated.limit} jobs: jobs further upstream are not shown.</p>` : ''}`;
}

/** The form that picks another instance or moment: a GET, so that a view is a link to share. */
export function instanceForm(action: string, zone: string, asked: { key?: string | undefined; at?: Date | undefined }, withKey: boolean): Html {
  const at = asked.at ? DateTime.fromJSDate(asked.at, { zone }).toFormat("yyyy-LL-dd'T'HH:mm") : '';
  return html`<form method="get" action="${action}" class="filters" aria-label="Another instance or moment">
${withKey ? html`<div><label for="l-key">Instance</label><input id="l-key" name="key" value="${asked.key && asked.key !== 'latest' ? asked.key : ''}" placeholder="latest" maxlength="1000" aria-describedby="l-key-hint"></div>` : ''}
<div><label for="l-at">As of (${zone})</label><input id="l-at" name="at" type="datetime-local" value="${at}"></div>
<div><button type="submit">Show</button> <a href="${action}">${withKey ? 'The latest instance, now' : 'Now'}</a></div>
${withKey ? html`<p id="l-key-hint" class="hint">A run key of the instance, such as its DAG run id; empty for the latest.</p>` : ''}
</form>`;
}

const KINDS: readonly { kind: EdgeKind; title: string }[] = [
  { kind: 'definition', title: 'From the service definition' },
  { kind: 'declared', title: 'Declared by the orchestrator' },
  { kind: 'dataset', title: 'Through a dataset: the upstream job writes what the downstream one reads' },
  { kind: 'parent', title: 'Parent runs: the upstream run started the downstream one' },
  { kind: 'inferred', title: 'Inferred from timing: no system reports these' },
];

function edgeLine(e: TraceEdge, kind: EdgeKind): Html {
  const pair = html`<code>${e.upstream}</code> <span aria-hidden="true">→</span><span class="visually-hidden">to</span> <code>${e.downstream}</code>`;
  switch (kind) {
    case 'dataset': return html`<li>${pair}${e.datasets.length ? html` <span class="muted">through</span> ${e.datasets.map((d, i) => html`${i ? ', ' : ''}<code>${d}</code>`)}` : ''}</li>`;
    case 'inferred': return html`<li class="inferred">${pair} <span class="badge inferred">inferred</span><br><span class="muted">${e.why ?? 'from timing'}</span></li>`;
    case 'definition': case 'declared': case 'parent': return html`<li>${pair}</li>`;
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/** The edges grouped by how they are known; an edge known several ways is under each. */
function links(edges: readonly TraceEdge[]): Html {
  if (edges.length === 0) return html`<p class="empty">No link between the jobs of this instance is known.</p>`;
  return html`${KINDS.map(({ kind, title }) => {
    const of = edges.filter((e) => e.kinds.includes(kind));
    return of.length ? html`<h3>${title} <span class="count">${of.length}</span></h3>
<ul class="links">${of.map((e) => edgeLine(e, kind))}</ul>` : '';
  })}`;
}
