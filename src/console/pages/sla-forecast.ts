/** A service's latest forecast as the board and the service page show it: the numbers, the fan chart and its table. */
import type { ForecastPoint, LatestForecast } from '../../sla/board-sql.ts';
import type { ForecastDetail } from '../../sla/board.ts';
import { ago, percent, span, until, when, type Formats } from '../format.ts';
import { html, type Html } from '../html.ts';
import { chart, clockText, fanSpec } from './sla-charts.ts';

/** A forecast older than this is flagged: the sweep runs every minute, so it has stopped or fails. @defaultValue 5 min */
export const STALE_MS = 5 * 60_000;

/** P(breach) as a meter and in words. */
export function breachMeter(p: number): Html {
  return html`<meter min="0" max="1" low="0.3" high="0.6" optimum="0" value="${p}" aria-label="chance of a breach">${percent(p)}</meter> ${percent(p)}`;
}

/** The p90 finish: from the fan, else from the slack the forecast kept. */
export function etaP90(latest: LatestForecast): Date {
  const q90 = latest.detail?.fan.find((x) => x.q === 0.9)?.at;
  return q90 ?? new Date(latest.deadline.getTime() - latest.slackMs);
}

/** Slack at p90: time to spare, or how far short. */
export function slackText(ms: number): Html {
  return ms >= 0 ? html`${span(ms)} to spare` : html`<span class="late">${span(ms)} short</span>`;
}

/** How old the forecast is, flagged when stale. */
export function freshness(f: Formats, at: Date): Html {
  const age = f.now.getTime() - at.getTime();
  return age > STALE_MS ? html`<span class="soon">${ago(f, at)}</span> <span class="badge warn">stale</span>` : html`${ago(f, at)}`;
}

export function timeToAct(f: Formats, d: ForecastDetail | null): Html {
  const t = d?.timeToAct;
  if (!t) return html`<span class="muted">—</span>`;
  if (!t.latest) return html`<code>${t.job}</code>: <span class="late">too late already</span>`;
  const left = t.latest.getTime() - f.now.getTime();
  return html`<code>${t.job}</code> done by ${when(f, t.latest)} <span class="${left <= 0 ? 'late' : left < 10 * 60_000 ? 'soon' : 'muted'}">(${until(f, t.latest)})</span>`;
}

export function criticalPath(path: readonly string[] | undefined): Html {
  if (!path || path.length === 0) return html`<span class="muted">—</span>`;
  return html`<span class="path">${path.map((j, i) => html`${i ? html` <span aria-hidden="true">→</span> ` : ''}<code>${j}</code>`)}</span>`;
}

/** The numbers of a forecast as a list of facts. */
export function forecastFacts(f: Formats, latest: LatestForecast): Html {
  const d = latest.detail;
  return html`<dl class="facts">
<dt>Instance</dt><dd><code>${latest.instanceKey}</code>${d ? html`, started ${when(f, d.start)}` : ''}</dd>
<dt>Deadline</dt><dd>${when(f, latest.deadline)} <span class="muted">(${until(f, latest.deadline)})</span></dd>
<dt>P(breach)</dt><dd>${breachMeter(latest.pBreach)}${d?.atRisk ? html` <span class="badge failed">at risk</span>` : ''}</dd>
<dt>ETA p50 / p90</dt><dd>${when(f, latest.etaP50)} / ${when(f, etaP90(latest))}</dd>
<dt>Slack at p90</dt><dd>${slackText(latest.slackMs)}</dd>
<dt>Time to act</dt><dd>${timeToAct(f, d)}</dd>
<dt>Critical path</dt><dd>${criticalPath(d?.criticalPath)}</dd>
<dt>Forecast made</dt><dd>${freshness(f, latest.at)}</dd>
</dl>
${d ? html`<p class="summary">${d.summary.replaceAll('*', '')}</p>` : html`<p class="muted">This forecast was saved before Medic kept its detail: no fan, critical path or time to act.</p>`}`;
}

/** The latest fan as a table: the finish at each quantile and how it stands against the deadline. */
/** `name` tells the scrolling box apart from those of other services on the page. */
export function fanTable(f: Formats, fan: ForecastDetail['fan'], deadline: Date, caption: string, name: string): Html {
  if (fan.length === 0) return html``;
  const versus = (at: Date) => {
    const ms = at.getTime() - deadline.getTime();
    return ms > 0 ? html`<span class="late">${span(ms)} late</span>` : html`<span class="muted">${span(ms)} early</span>`;
  };
  // The box scrolls on a narrow screen: focusable, so that a keyboard can scroll it too.
  return html`<div class="scroll" tabindex="0" role="region" aria-label="${caption}: ${name}"><table class="fan">
<caption>${caption}</caption>
<thead><tr><th scope="col">Done by</th>${fan.map((x) => html`<th scope="col">p${Math.round(x.q * 100)}</th>`)}</tr></thead>
<tbody>
<tr><th scope="row">Finish</th>${fan.map((x) => html`<td>${when(f, x.at)}</td>`)}</tr>
<tr><th scope="row">vs deadline</th>${fan.map((x) => html`<td>${versus(x.at)}</td>`)}</tr>
</tbody></table></div>`;
}

/**
 * The fan chart of an instance's forecasts, with an accessible name that says what it shows; the
 * latest forecast alone when the history has no point yet.
 */
export function fanChart(f: Formats, id: string, service: string, latest: LatestForecast, points: readonly ForecastPoint[], big = false): Html {
  const shown: readonly ForecastPoint[] = points.length ? points : latestPoint(latest);
  const last = shown.at(-1);
  if (!last) return html``;
  const label = `ETA fan of ${service}, instance ${latest.instanceKey}: ${shown.length} ${shown.length === 1 ? 'forecast' : 'forecasts'} from ${clockText(f, shown[0]?.at ?? last.at)} to ${clockText(f, last.at)}; `
    + `the latest puts the finish between ${clockText(f, last.p10)} and ${clockText(f, last.p90)}, most likely ${clockText(f, last.p50)}, against the deadline ${clockText(f, last.deadline)}.`;
  return chart(id, fanSpec(shown, f.zone), label, big);
}

function latestPoint(latest: LatestForecast): ForecastPoint[] {
  const p10 = latest.detail?.fan.find((x) => x.q === 0.1)?.at;
  if (!p10) return [];
  return [{ at: latest.at, deadline: latest.deadline, pBreach: latest.pBreach, p10, p50: latest.etaP50, p90: etaP90(latest) }];
}
