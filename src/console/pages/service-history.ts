/** A service's past instances against their deadlines: a chart of how late each finished, and the table of them. */
import { DateTime } from 'luxon';
import type { InstanceOutcome, InstanceRecord } from '../../sla/board.ts';
import { span, when, type Formats } from '../format.ts';
import { html, type Html } from '../html.ts';
import { table } from './live-region.ts';
import { chart, historySpec } from './sla-charts.ts';

/** How many days of instances the service page shows. @defaultValue 30 */
export const HISTORY_DAYS = 30;
/** Up to this many instances the table lists each; beyond, one row per day (a service run per submission). */
const PER_INSTANCE_ROWS = 62;

const BADGE: Record<InstanceOutcome, string> = { 'on-time': 'success', late: 'warn', missed: 'failed', open: 'running' };
const outcomeBadge = (o: InstanceOutcome) => html`<span class="badge ${BADGE[o]}">${o}</span>`;

function lateness(f: Formats, r: InstanceRecord): Html {
  if (r.latenessMs !== null) return r.latenessMs > 0 ? html`<span class="late">late by ${span(r.latenessMs)}</span>` : html`early by ${span(r.latenessMs)}`;
  return r.outcome === 'missed'
    ? html`<span class="late">not done, ${span(f.now.getTime() - r.deadline.getTime())} past the deadline</span>`
    : html`<span class="muted">not done yet</span>`;
}

function counts(records: readonly InstanceRecord[]): Record<InstanceOutcome, number> {
  const n: Record<InstanceOutcome, number> = { 'on-time': 0, late: 0, missed: 0, open: 0 };
  for (const r of records) n[r.outcome] += 1;
  return n;
}

/** The history region of the service page. */
export function historyRegion(f: Formats, service: string, records: readonly InstanceRecord[]): Html {
  const n = counts(records);
  const finished = records.filter((r) => r.latenessMs !== null);
  const worst = finished.reduce<InstanceRecord | undefined>((w, r) => (w === undefined || (r.latenessMs ?? 0) > (w.latenessMs ?? 0) ? r : w), undefined);
  const summary = `${records.length} ${records.length === 1 ? 'instance' : 'instances'} in the last ${HISTORY_DAYS} days: ${n['on-time']} on time, ${n.late} late, ${n.missed} missed, ${n.open} still open`;
  const label = `${service}: minutes each instance finished after (above 0) or before (below 0) its deadline, by start day, over the last ${HISTORY_DAYS} days. ${summary}`
    + (worst && (worst.latenessMs ?? 0) > 0 ? `; the worst finished ${span(worst.latenessMs ?? 0)} late (instance ${worst.key}).` : '.');
  return html`<section class="region" aria-labelledby="history-h"><h2 id="history-h">The last ${HISTORY_DAYS} days</h2>
<p>${summary}.</p>
${records.length ? chart('history-data', historySpec(records, f.zone), label, true) : ''}
${records.length <= PER_INSTANCE_ROWS ? instanceTable(f, service, records) : dayTable(f, records)}
</section>`;
}

/** One row an instance, its key linking to its lineage: where a late one's delay began. */
function instanceTable(f: Formats, name: string, records: readonly InstanceRecord[]): Html {
  return table(['Instance', 'Start', 'Finish', 'Deadline', 'Late by / early by', 'Outcome'], [...records].reverse().map((r) => html`<tr>
<th scope="row"><a href="/services/${encodeURIComponent(name)}/lineage?key=${encodeURIComponent(r.key)}"><code>${r.key}</code></a></th><td>${when(f, r.start)}</td><td>${when(f, r.finish)}</td><td>${when(f, r.deadline)}</td>
<td>${lateness(f, r)}</td><td>${outcomeBadge(r.outcome)}</td>
</tr>`), `No instance started in the last ${HISTORY_DAYS} days.`);
}

/** One row per day, newest first: for a service with many instances a day. */
function dayTable(f: Formats, records: readonly InstanceRecord[]): Html {
  const days = new Map<string, InstanceRecord[]>();
  for (const r of records) {
    const day = DateTime.fromJSDate(r.start, { zone: f.zone }).toISODate() ?? '';
    days.set(day, [...(days.get(day) ?? []), r]);
  }
  return html`<p class="hint">${records.length} instances: one row per day (times in ${f.zone}).</p>
${table(['Day', 'Instances', 'On time', 'Late', 'Missed', 'Open', 'Worst finish vs deadline'], [...days].reverse().map(([day, rs]) => {
    const n = counts(rs);
    const worst = Math.max(...rs.map((r) => r.latenessMs ?? Number.NEGATIVE_INFINITY));
    return html`<tr><th scope="row">${day}</th><td>${rs.length}</td><td>${n['on-time']}</td><td>${n.late}</td><td>${n.missed}</td><td>${n.open}</td>
<td>${Number.isFinite(worst) ? (worst > 0 ? html`<span class="late">late by ${span(worst)}</span>` : html`early by ${span(worst)}`) : html`<span class="muted">—</span>`}</td></tr>`;
  }), '')}`;
}
