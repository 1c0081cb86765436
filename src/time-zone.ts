import { z } from 'zod';

/** Whether `zone` is an IANA time zone this runtime knows (Europe/Berlin, America/New_York, UTC …). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone name, validated. */
export const TimeZone = z.string().refine(isTimeZone, 'is not an IANA time zone such as Europe/Berlin');
