import { DateTime } from 'luxon';
import { z } from 'zod';
import type { NormalizedRunEvent, RunEventType } from '../runs/schema.ts';
import type { Adapter, AdapterContext, PayloadIssue } from './adapter.ts';
import { compact, rejected } from './payload.ts';

/** One job's status as Control-M's Automation API returns it (`GET /run/jobs/status`). */
const JobStatus = z.looseObject({
  jobId: z.string().min(1),
  name: z.string().min(1),
  folder: z.string().optional(),
  status: z.string().min(1),
  numberOfRuns: z.number().int().min(0).optional(),
  startTime: z.string().optional(),
  endTime: z.string().optional(),
  orderDate: z.string().optional(),
  ctm: z.string().optional(),
  host: z.string().optional(),
  application: z.string().optional(),
  subApplication: z.string().optional(),
  type: z.string().optional(),
  held: z.boolean().optional(),
  cyclic: z.boolean().optional(),
  outputURI: z.string().optional(),
  logURI: z.string().optional(),
});
type JobStatus = z.infer<typeof JobStatus>;

const Statuses = z.looseObject({ statuses: z.array(JobStatus) });

/** Control-M's status words; "Status Unknown" ends a run too, and is treated as failed. */
const STATUSES: Record<string, RunEventType> = {
  'Ended OK': 'completed',
  'Ended Not OK': 'failed',
  'Status Unknown': 'failed',
  Executing: 'running',
  'Wait Condition': 'scheduled',
  'Wait User': 'queued',
  'Wait Resource': 'queued',
  'Wait Host': 'queued',
  'Wait Workload': 'queued',
};

// "Jul 29, 2019 7:17:33 PM": locale-style, no zone; the server's zone comes from the request or config.
const FORMATS = ['LLL d, yyyy h:mm:ss a', 'LLL dd, yyyy hh:mm:ss a', 'yyyyMMddHHmmss', "yyyy-MM-dd'T'HH:mm:ss"];

/** A Control-M timestamp in `zone`, or undefined when it is empty or unreadable. */
export function controlmTime(text: string | undefined, zone: string): Date | undefined | 'unreadable' {
  if (!text || text.trim() === '') return undefined;
  for (const format of FORMATS) {
    const t = DateTime.fromFormat(text.trim(), format, { zone, locale: 'en-US' });
    if (t.isValid) return t.toJSDate();
  }
  return 'unreadable';
}

function toEvent(s: JobStatus, ctx: AdapterContext, index: number, issues: PayloadIssue[]): NormalizedRunEvent | undefined {
  const eventType = STATUSES[s.status];
  const start = controlmTime(s.startTime, ctx.timeZone);
  const end = controlmTime(s.endTime, ctx.timeZone);
  if (start === 'unreadable') issues.push({ path: ['statuses', index, 'startTime'], message: `"${s.startTime}" is not a Control-M time like "Jul 29, 2019 7:17:33 PM"` });
  if (end === 'unreadable') issues.push({ path: ['statuses', index, 'endTime'], message: `"${s.endTime}" is not a Control-M time like "Jul 29, 2019 7:17:33 PM"` });
  if (!eventType || start === 'unreadable' || end === 'unreadable') return undefined;
  const server = s.ctm ?? ctx.source ?? 'controlm';
  const terminal = eventType === 'completed' || eventType === 'failed';
  const eventTime = (terminal ? end : undefined) ?? start ?? end;
  if (!eventTime) return undefined; // nothing has happened yet that Medic could date
  return {
    orchestrator: 'controlm',
    source: ctx.source ?? server,
    eventType,
    eventTime,
    job: { namespace: server, name: s.folder ? `${s.folder}/${s.name}` : s.name },
    run: { runKey: s.jobId, externalId: s.jobId, attempt: Math.max(1, s.numberOfRuns ?? 1) },
    ...compact({
      startedAt: start, endedAt: terminal ? end : undefined,
      error: eventType === 'failed' ? { message: `Control-M job ${s.folder ? `${s.folder}/` : ''}${s.name} ended with status "${s.status}"${s.host ? ` on ${s.host}` : ''}` } : undefined,
    }),
    facets: compact({
      status: s.status, orderDate: s.orderDate, host: s.host, application: s.application, subApplication: s.subApplication,
      type: s.type, held: s.held, cyclic: s.cyclic, outputURI: s.outputURI, logURI: s.logURI, startTime: s.startTime, endTime: s.endTime,
    }),
  };
}

/** Reads `{statuses: [...]}` or one job status; times are read in the request's time zone. */
export const controlmAdapter: Adapter = (payload, ctx) => {
  const isList = typeof payload === 'object' && payload !== null && 'statuses' in payload;
  const parsed = isList ? Statuses.safeParse(payload) : JobStatus.safeParse(payload);
  if (!parsed.success) return rejected(parsed.error);
  const list: JobStatus[] = 'statuses' in parsed.data ? (parsed.data as z.infer<typeof Statuses>).statuses : [parsed.data as JobStatus];
  const issues: PayloadIssue[] = [];
  const events = list.map((s, i) => toEvent(s, ctx, i, issues));
  if (issues.length > 0) return { kind: 'rejected', issues: isList ? issues : issues.map((x) => ({ ...x, path: x.path.slice(2) })) };
  return { kind: 'events', events: events.filter((e): e is NormalizedRunEvent => e !== undefined) };
};
