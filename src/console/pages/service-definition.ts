/** A service's definition as the service page shows it: deadline, owners, and its jobs with the edges between them. */
import type { ResolvedService, ServiceEdge } from '../../sla/lineage.ts';
import type { Deadline } from '../../sla/schema.ts';
import type { StoredService } from '../../sla/sql.ts';
import { percent, when, type Formats } from '../format.ts';
import { html, type Html } from '../html.ts';
import { table } from './live-region.ts';

/** The deadline in words: `06:00 Europe/Berlin, Monday to Friday`, `60 min after the instance starts`. */
export function describeDeadline(d: Deadline): string {
  if (d.kind === 'duration') return `${d.minutes} min after the instance starts`;
  const days = d.calendar === 'daily' ? 'every day' : d.calendar === 'weekdays' ? 'Monday to Friday' : `on the days of cron ${d.calendar.cron}`;
  return `${d.at} ${d.timeZone}, ${days}`;
}

function origins(e: ServiceEdge | undefined): string {
  if (!e) return 'service definition';
  return e.origins.map((o) => {
    switch (o.kind) {
      case 'definition': return 'service definition';
      case 'declared': return 'declared by the orchestrator';
      case 'dataset': return `dataset ${o.dataset}`;
      default: {
        const never: never = o;
        return never;
      }
    }
  }).join(', ');
}

const serviceLink = (name: string) => html`<a href="/services/${encodeURIComponent(name)}">${name}</a>`;

/** The definition region: facts, then one row per job with what it waits for and how that is known. */
export function definitionRegion(f: Formats, s: StoredService, resolved: ResolvedService): Html {
  const def = s.definition;
  const edges = new Map(resolved.learned.edges.map((e) => [`${e.upstream}\u0000${e.downstream}`, e]));
  const l = resolved.learned;
  const rows = resolved.jobs.map((j) => html`<tr>
<th scope="row"><code>${j.job}</code>${def.terminal?.includes(j.job) ? html` <span class="badge">last job</span>` : ''}</th>
<td>${j.after.length ? j.after.map((up, i) => html`${i ? html`<br>` : ''}<code>${up}</code> <span class="muted">(${origins(edges.get(`${up}\u0000${j.job}`))})</span>`) : html`<span class="muted">nothing: the service starts here</span>`}</td>
</tr>`);
  return html`<section class="region" aria-labelledby="definition-h"><h2 id="definition-h">Definition</h2>
${def.description ? html`<p>${def.description}</p>` : ''}
<dl class="facts">
<dt>Name</dt><dd><code>${def.name}</code> <span class="muted">revision ${s.revision}, changed ${when(f, s.updated_at)}</span></dd>
<dt>Deadline</dt><dd>${describeDeadline(def.deadline)}</dd>
<dt>Criticality</dt><dd>${def.criticality}</dd>
<dt>Owners</dt><dd>${def.owners.length ? def.owners.join(', ') : html`<span class="muted">none named</span>`}</dd>
<dt>Channel</dt><dd>${def.channel ?? html`<span class="muted">none</span>`}</dd>
<dt>Alerts when</dt><dd>P(breach) reaches ${percent(def.alert.breachProbability)}, or the p90 leaves less than ${def.alert.slackMinutes} min</dd>
<dt>Downstream</dt><dd>${def.downstream.length ? def.downstream.map((d, i) => html`${i ? ', ' : ''}${serviceLink(d)}`) : html`<span class="muted">none</span>`}</dd>
</dl>
${def.terminal ? html`<p>Named by its last ${def.terminal.length === 1 ? 'job' : 'jobs'} ${def.terminal.map((t, i) => html`${i ? ', ' : ''}<code>${t}</code>`)}; the jobs upstream of them come from lineage as ingest learned it.</p>` : ''}
${l.unknownTerminals.length ? html`<p class="notice error">Medic has seen no event of ${l.unknownTerminals.join(', ')} yet.</p>` : ''}
${l.truncated ? html`<p class="notice error">The jobs upstream of ${l.truncated.jobs.join(', ')} were left out: the service reached its ${l.truncated.reason} limit of ${l.truncated.limit}.</p>` : ''}
${l.dropped.length ? html`<p class="muted">Left out to keep the service a DAG: ${l.dropped.map((d, i) => html`${i ? '; ' : ''}${d.upstream} → ${d.downstream} (cycle ${d.cycle.join(' → ')})`)}.</p>` : ''}
<h3>Jobs <span class="count">${resolved.jobs.length}</span></h3>
${table(['Job', 'Waits for'], rows, 'No job resolved yet.')}
</section>`;
}
