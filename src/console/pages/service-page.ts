/** The service page: definition, today's forecast with its critical path and downstream impact, and the last 30 days. */
import type { Queryable } from '../../db/pool.ts';
import { instanceHistory, type BoardRow, type ForecastPoint, type LatestForecast } from '../../sla/board-sql.ts';
import type { InstanceRecord } from '../../sla/board.ts';
import { resolveServiceJobs, type ResolvedService } from '../../sla/lineage.ts';
import { getService, type StoredService } from '../../sla/sql.ts';
import { percent, span, when, type Formats } from '../format.ts';
import { html, type Html } from '../html.ts';
import { liveRegion, table } from './live-region.ts';
import { definitionRegion } from './service-definition.ts';
import { HISTORY_DAYS, historyRegion } from './service-history.ts';
import { fanChart, fanTable, forecastFacts } from './sla-forecast.ts';
import { serviceEntry, whyNoForecast } from './sla-sql.ts';

/** Forecasts the service page's chart draws at most. */
const PAGE_POINTS = 480;

/** Today's forecast of a service: its latest, the forecasts of that instance, or why there is none. */
export interface ServiceForecastView {
  name: string;
  row: BoardRow;
  points: ForecastPoint[];
  why: string | null;
}

export interface ServicePage {
  stored: StoredService;
  resolved: ResolvedService;
  forecast: ServiceForecastView;
  history: InstanceRecord[];
}

/** What the forecast region shows; undefined for an unknown service. */
export async function loadServiceForecast(db: Queryable, name: string, resolved?: ResolvedService): Promise<ServiceForecastView | undefined> {
  const entry = await serviceEntry(db, name, PAGE_POINTS);
  if (!entry) return undefined;
  return { name, ...entry, why: entry.row.latest ? null : await whyNoForecast(db, entry.row.definition, resolved) };
}

/** Everything the page shows; undefined for an unknown service. */
export async function loadServicePage(db: Queryable, name: string, now: Date): Promise<ServicePage | undefined> {
  const stored = await getService(db, name);
  if (!stored) return undefined;
  const resolved = await resolveServiceJobs(db, stored.definition);
  const [forecast, history] = await Promise.all([loadServiceForecast(db, name, resolved), instanceHistory(db, stored.definition, now, HISTORY_DAYS)]);
  if (!forecast) return undefined;
  return { stored, resolved, forecast, history };
}

export function servicePageBody(f: Formats, p: ServicePage): Html {
  return html`<p><a href="/services/${encodeURIComponent(p.stored.name)}/lineage">Trace today's instance: where did it start?</a></p>
${forecastRegion(f, p.forecast)}
${historyRegion(f, p.stored.name, p.history)}
${definitionRegion(f, p.stored, p.resolved)}`;
}

/** Today's forecast as a live region: numbers, fan chart and table, critical path, downstream services. */
export function forecastRegion(f: Formats, v: ServiceForecastView): Html {
  const latest = v.row.latest;
  return liveRegion({
    id: 'forecast', topic: 'sla', src: `/services/${encodeURIComponent(v.name)}/forecast`, title: 'Today\'s forecast',
    body: latest ? forecastBody(f, v, latest) : html`<p class="empty">Not forecast yet: ${v.why ?? 'no reason known'}.</p>`,
  });
}

function forecastBody(f: Formats, v: ServiceForecastView, latest: LatestForecast): Html {
  const d = latest.detail;
  return html`${forecastFacts(f, latest)}
${fanChart(f, 'fan-data', v.name, latest, v.points, true)}
${d ? fanTable(f, d.fan, latest.deadline, 'Latest forecast of the finish', v.row.definition.title ?? v.name) : ''}
${v.points.length ? html`<details><summary>The ${v.points.length} forecasts of this instance</summary>
${table(['Made', 'P(breach)', 'p10', 'p50', 'p90'], [...v.points].reverse().map((p) => html`<tr><td>${when(f, p.at)}</td><td>${percent(p.pBreach)}</td><td>${when(f, p.p10)}</td><td>${when(f, p.p50)}</td><td>${when(f, p.p90)}</td></tr>`), '')}
</details>` : ''}
<h3>Critical path</h3>
${d ? criticality(d) : html`<p class="muted">Not kept for this forecast.</p>`}
<h3>Downstream services</h3>
${d ? downstream(f, d.impact) : html`<p class="muted">Not kept for this forecast.</p>`}`;
}

function criticality(d: NonNullable<LatestForecast['detail']>): Html {
  const onPath = new Set(d.criticalPath);
  const shares = new Map(d.criticality.map((c) => [c.job, c]));
  // The path first, upstream to downstream, then the other critical jobs by share.
  const jobs = [...d.criticalPath, ...d.criticality.map((c) => c.job).filter((j) => !onPath.has(j))];
  return html`<p class="hint">The share of simulated finishes in which each job lies on the path that decides the finish.</p>
${table(['Job', 'On the critical path in', 'Where it stands', 'On the likeliest path'], jobs.map((job) => {
    const c = shares.get(job);
    return html`<tr><th scope="row"><code>${job}</code></th>
<td>${c ? html`<meter min="0" max="1" value="${c.share}" aria-label="criticality of ${job}">${percent(c.share)}</meter> ${percent(c.share)}` : html`<span class="muted">—</span>`}</td>
<td>${c ? html`<span class="badge ${c.state}">${c.state}</span>` : html`<span class="muted">—</span>`}</td>
<td>${onPath.has(job) ? 'yes' : 'no'}</td></tr>`;
  }), 'No critical path.')}`;
}

function downstream(f: Formats, impact: NonNullable<LatestForecast['detail']>['impact']): Html {
  const basis = { history: 'from its past instances', 'own-clock': 'its deadline counts from its own start: lateness here does not move it', unknown: 'not defined, or no history' } as const;
  return table(['Service', 'Through', 'Deadline', 'P(miss)', 'Usually takes'], impact.map((d) => html`<tr${d.atRisk ? html` class="at-risk"` : ''}>
<th scope="row"><a href="/services/${encodeURIComponent(d.service)}">${d.service}</a>${d.atRisk ? html` <span class="badge failed">at risk</span>` : ''}</th>
<td>${d.via}</td>
<td>${d.deadline ? when(f, d.deadline) : html`<span class="muted">its own</span>`}</td>
<td>${d.pMiss === null ? html`<span class="muted">cannot tell: ${basis[d.basis]}</span>` : html`<meter min="0" max="1" low="0.3" high="0.6" optimum="0" value="${d.pMiss}" aria-label="chance ${d.service} misses its deadline">${percent(d.pMiss)}</meter> ${percent(d.pMiss)}`}</td>
<td>${d.medianLagMs === null ? html`<span class="muted">—</span>` : span(d.medianLagMs)}</td>
</tr>`), 'No service downstream.');
}
