import type { z } from 'zod';
import type { AdapterResult, PayloadIssue } from './adapter.ts';

/** zod's issues as payload issues: the path into the payload and what is wrong there. */
export function issuesOf(error: z.ZodError): PayloadIssue[] {
  return error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    message: i.message,
  }));
}

export function rejected(error: z.ZodError): AdapterResult {
  return { kind: 'rejected', issues: issuesOf(error) };
}

/** A date from an ISO 8601 string that carries its offset; undefined for null/absent. */
export function isoDate(value: string | null | undefined): Date | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** The earliest defined date of those given. */
export function firstDate(...dates: (Date | undefined)[]): Date | undefined {
  return dates.find((d) => d !== undefined);
}

/** Drops the keys whose value is undefined, so optional fields stay absent (exactOptionalPropertyTypes). */
export function compact<T extends Record<string, unknown>>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
