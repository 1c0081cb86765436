/**
 * The data of the SLA charts, in the shape `console/medic.js` draws with uPlot: column data, times
 * in epoch seconds. Every chart has its words beside it (a table) and an accessible name.
 */
import { DateTime } from 'luxon';
import type { ForecastPoint } from '../../sla/board-sql.ts';
import type { InstanceRecord } from '../../sla/board.ts';
import type { Formats } from '../format.ts';
import { html, jsonData, type Html } from '../html.ts';

/** One series of a chart: a band's edge (filled to series `to`), a line, or the deadline. */
export interface ChartSeries {
  label: string;
  role: 'band' | 'line' | 'deadline';
  /** For a band: the index (in `series`) of the series it fills to. */
  to?: number;
}

/** What `medic.js` reads from `<script type="application/json" id="…">`. */
export interface ChartSpec {
  /** `days`: an x axis of dates (the default is times of day). */
  x?: 'days';
  /** `minutes`: y values are minutes (the default is epoch seconds, drawn as times). */
  value?: 'minutes';
  /** Draw a mark at each value of the lines. */
  points?: boolean;
  /** The zone times are drawn in: the console's. */
  zone?: string;
  series: ChartSeries[];
  /** `[xs, ...ys]`, one column per series; null leaves a gap. */
  data: (number | null)[][];
}

const secs = (d: Date) => Math.round(d.getTime() / 1000);

/**
 * The fan of an instance's forecasts: at each moment a forecast was made (x), the p10–p90 band
 * and the p50 of the finish it predicted, and the deadline.
 */
export function fanSpec(points: readonly ForecastPoint[], zone: string): ChartSpec {
  return {
    zone,
    points: points.length < 30,
    series: [
      { label: 'p90 finish', role: 'band', to: 1 },
      { label: 'p10 finish', role: 'band' },
      { label: 'p50 finish', role: 'line' },
      { label: 'deadline', role: 'deadline' },
    ],
    data: [points.map((p) => secs(p.at)), points.map((p) => secs(p.p90)), points.map((p) => secs(p.p10)), points.map((p) => secs(p.p50)), points.map((p) => secs(p.deadline))],
  };
}

/** Past instances against their deadlines: minutes late (above 0) or early (below) by start day; unfinished ones leave a gap. */
export function historySpec(records: readonly InstanceRecord[], zone: string): ChartSpec {
  return {
    x: 'days',
    value: 'minutes',
    points: true,
    zone,
    series: [
      { label: 'finish vs deadline', role: 'line' },
      { label: 'deadline', role: 'deadline' },
    ],
    data: [
      records.map((r) => secs(r.start)),
      records.map((r) => (r.latenessMs === null ? null : Math.round(r.latenessMs / 60_000))),
      records.map(() => 0),
    ],
  };
}

/** A chart's place on the page and its data; `label` is its accessible name, and says what it shows. */
export function chart(id: string, spec: ChartSpec, label: string, big = false): Html {
  return html`<div class="chart${big ? ' big' : ''}" data-chart="${id}" role="img" aria-label="${label}"></div>${jsonData(id, spec)}`;
}

/** `05:42` in the console's zone, for text that is not markup (an accessible name). */
export function clockText(f: Formats, at: Date): string {
  return DateTime.fromJSDate(at, { zone: f.zone }).toFormat('HH:mm');
}
