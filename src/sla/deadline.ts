import { CronExpressionParser } from 'cron-parser';
import { DateTime } from 'luxon';
import type { Deadline } from './schema.ts';

/** Whether the calendar holds the local day of `t`. */
function onCalendar(t: DateTime, calendar: Extract<Deadline, { kind: 'time' }>['calendar']): boolean {
  if (calendar === 'daily') return true;
  if (calendar === 'weekdays') return t.weekday <= 5;
  // A cron pattern names the days; its minute and hour fields are ignored here.
  const fields = calendar.cron.trim().split(/\s+/);
  const dayPattern = `0 0 ${fields.slice(2, 5).join(' ')}`;
  const start = t.startOf('day');
  const next = CronExpressionParser.parse(dayPattern, { currentDate: start.minus({ seconds: 1 }).toJSDate(), tz: t.zoneName ?? 'UTC' }).next();
  return DateTime.fromJSDate(next.toDate(), { zone: t.zone }).hasSame(start, 'day');
}

/**
 * The deadline of the service instance that started at `start`: for a wall-clock deadline, the
 * first calendar day's `at` in its time zone after the start (a 23:00 start meets tomorrow's
 * 06:00); for a duration, start plus the minutes. Daylight-saving gaps move the time forward
 * (02:30 on a spring-forward night is 03:30), as the local clock reads it.
 */
export function deadlineFor(deadline: Deadline, start: Date): Date {
  if (deadline.kind === 'duration') return new Date(start.getTime() + deadline.minutes * 60_000);
  const [hour, minute] = deadline.at.split(':').map(Number) as [number, number];
  let day = DateTime.fromJSDate(start, { zone: deadline.timeZone }).startOf('day');
  for (let i = 0; i < 370; i++, day = day.plus({ days: 1 })) {
    const candidate = day.set({ hour, minute });
    if (candidate.toMillis() > start.getTime() && onCalendar(candidate, deadline.calendar)) return candidate.toJSDate();
  }
  throw new Error(`no calendar day within a year after ${start.toISOString()}`);
}

/** `06:14` in the deadline's zone (or UTC for durations): how people read a time near a deadline. */
export function clockTime(t: Date, deadline: Deadline): string {
  const zone = deadline.kind === 'time' ? deadline.timeZone : 'UTC';
  return DateTime.fromJSDate(t, { zone }).toFormat('HH:mm');
}
