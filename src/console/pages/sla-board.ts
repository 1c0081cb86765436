/** The SLA board: every service's current instance, likeliest breach first, with the fan of its forecasts. */
import type { LatestForecast } from '../../sla/board-sql.ts';
import { when, until, type Formats } from '../format.ts';
import { html, type Html } from '../html.ts';
import { liveRegion, table } from './live-region.ts';
import type { BoardEntry } from './sla-sql.ts';
import { breachMeter, criticalPath, etaP90, fanChart, fanTable, freshness, slackText, timeToAct } from './sla-forecast.ts';

/** Forecasts a board chart draws at most: a day of one a minute thinned to one every ~12 minutes. */
export const BOARD_POINTS = 120;

/** The board as one live region: it is fetched again whenever a forecast or a risk changes. */
export function boardRegion(f: Formats, entries: readonly BoardEntry[]): Html {
  const forecast = entries.filter((e) => e.row.latest !== null);
  return liveRegion({
    id: 'board', topic: 'sla', src: '/sla/board', title: 'Services', count: entries.length,
    body: html`${table(['Service', 'Deadline', 'P(breach)', 'ETA p50 / p90', 'Slack at p90', 'Time to act', 'Forecast made'], entries.map((e) => boardRow(f, e)), 'No service is defined: apply service definitions (medic services apply, or POST /v1/services).')}
${forecast.length ? html`<h3>Forecasts of each current instance</h3>
<p class="hint">Each chart shows, at each moment a forecast was made, the p10–p90 band and the p50 of the finish it predicted, against the deadline. The table beside it has the latest forecast's quantiles.</p>
<div class="fans">${forecast.map((e, i) => fanCard(f, e, i))}</div>` : ''}`,
  });
}

function boardRow(f: Formats, e: BoardEntry): Html {
  const { row } = e;
  const name = html`<a href="/services/${encodeURIComponent(row.service)}">${row.definition.title ?? row.service}</a>${row.definition.title ? html`<br><span class="muted">${row.service}</span>` : ''}`;
  const latest = row.latest;
  if (!latest) return html`<tr><th scope="row">${name}</th><td colspan="6"><span class="badge">not forecast</span> ${e.why ?? ''}</td></tr>`;
  return html`<tr${latest.detail?.atRisk ? html` class="at-risk"` : ''}>
<th scope="row">${name}<br><a class="muted" href="#fan-${row.service}">instance ${latest.instanceKey}</a></th>
<td>${when(f, latest.deadline)}<br><span class="muted">${until(f, latest.deadline)}</span></td>
<td>${breachMeter(latest.pBreach)}</td>
<td>${when(f, latest.etaP50)} / ${when(f, etaP90(latest))}</td>
<td>${slackText(latest.slackMs)}</td>
<td>${timeToAct(f, latest.detail)}</td>
<td>${freshness(f, latest.at)}</td>
</tr>`;
}

function fanCard(f: Formats, e: BoardEntry, i: number): Html {
  const latest = e.row.latest as LatestForecast;
  const title = e.row.definition.title ?? e.row.service;
  return html`<article class="fan-card" id="fan-${e.row.service}" aria-labelledby="fan-${i}-h">
<h4 id="fan-${i}-h"><a href="/services/${encodeURIComponent(e.row.service)}">${title}</a> <span class="muted">· ${latest.instanceKey}</span></h4>
${fanChart(f, `fan-data-${i}`, e.row.service, latest, e.points)}
${latest.detail ? fanTable(f, latest.detail.fan, latest.deadline, 'Latest forecast of the finish', title) : ''}
<p>Critical path: ${criticalPath(latest.detail?.criticalPath)}</p>
${latest.detail ? html`<p class="summary">${latest.detail.summary.replaceAll('*', '')}</p>` : ''}
</article>`;
}
