import { DateTime } from 'luxon';
import { html, type Html } from './html.ts';

/** How the console writes times: in one zone (`MEDIC_TIME_ZONE`), relative to now where that reads faster. */
export interface Formats {
  zone: string;
  now: Date;
}

/** `05:42` today, `Tue 05:42` this week, `2026-11-24 05:42` otherwise; always with a machine-readable `<time>`. */
export function when(f: Formats, at: Date | string | null | undefined): Html {
  if (at === null || at === undefined) return html`<span class="muted">—</span>`;
  const d = typeof at === 'string' ? new Date(at) : at;
  const t = DateTime.fromJSDate(d, { zone: f.zone });
  const days = Math.abs(todayOf(f) - dayNumber(t));
  const shown = days === 0 ? t.toFormat('HH:mm') : days < 6 ? t.toFormat('ccc HH:mm') : t.toFormat('yyyy-LL-dd HH:mm');
  return html`<time datetime="${d.toISOString()}" title="${t.toFormat('yyyy-LL-dd HH:mm:ss')} ${zoneName(t)}">${shown}</time>`;
}

// A page shows hundreds of times: luxon's calendar diff and its zone names (a new Intl formatter
// each time) cost a few hundred microseconds a call, so days are counted from the calendar date
// and a zone's name is asked once per offset.

/** The local calendar date as a day count, so that two dates differ by whole days across DST changes. */
function dayNumber(t: DateTime): number {
  return Date.UTC(t.year, t.month - 1, t.day) / 86_400_000;
}

const todays = new WeakMap<Formats, number>();
function todayOf(f: Formats): number {
  let today = todays.get(f);
  if (today === undefined) {
    today = dayNumber(DateTime.fromJSDate(f.now, { zone: f.zone }));
    todays.set(f, today);
  }
  return today;
}

const zoneNames = new Map<string, string>();
/** `CET`, `CEST`, `UTC`: what luxon's `ZZZZ` says, which depends only on the zone, the offset and the locale. */
function zoneName(t: DateTime): string {
  const key = `${t.zoneName ?? ''}|${t.offset}|${t.locale ?? ''}`;
  let name = zoneNames.get(key);
  if (name === undefined) {
    name = t.toFormat('ZZZZ');
    zoneNames.set(key, name);
  }
  return name;
}

/** A span of time as people say it: `45 s`, `12 min`, `3 h 05 min`, `2 d 4 h`. */
export function span(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** Time until `at`: `in 12 min`, or `12 min ago` once it has passed. */
export function until(f: Formats, at: Date | string): string {
  const ms = new Date(at).getTime() - f.now.getTime();
  return ms >= 0 ? `in ${span(ms)}` : `${span(ms)} ago`;
}

/** A probability as a percentage: `72 %`, `< 1 %`. */
export function percent(p: number): string {
  if (p > 0 && p < 0.01) return '< 1 %';
  if (p < 1 && p > 0.99) return '> 99 %';
  return `${Math.round(p * 100)} %`;
}

/** The first `max` characters of a text, with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** How long ago `at` was: `12 min ago` (`0 s ago` for now or a moment ahead by clock skew). */
export function ago(f: Formats, at: Date | string): string {
  return `${span(Math.max(0, f.now.getTime() - new Date(at).getTime()))} ago`;
}
