/**
 * Exported history as NDJSON (`medic export history`): a header line (format, version, time
 * range, counts), then one `case` line per failed attempt (the decision input, its signature, how
 * its incident ended and what happened next), one `signature` line per signature (template,
 * vector, the signatures taken for the same failure), one `resolution` line per past fix and,
 * from version 2, one `job` line per job sources had reported (what `medic check --history` reads).
 */
import { z } from 'zod';
import type { ServiceContext } from '../decide/context.ts';
import { splitJob } from '../runs/job-name.ts';
import type { PastResolution, StoredFailure } from './backtest-sql.ts';
import { caseKey, type Aftermath, type ReplayHistory } from './history.ts';

/** The version this Medic writes; it reads version 1 too, which has no `job` lines. */
export const HISTORY_VERSION = 2;
const READABLE = [1, HISTORY_VERSION] as const;
const MESSAGE_MAX = 8_000;
const DETAIL_MAX = 4_000;

const Instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const Id = z.number().int();

export const HistoryHeader = z.strictObject({
  type: z.literal('medic-history'),
  version: z.literal(READABLE),
  exported_at: Instant,
  /** Failures at or after `from`, as the store stood at `until`. */
  from: Instant,
  until: Instant,
  anonymised: z.boolean(),
  /** Job and namespace names were replaced too (`--anonymise` without `--keep-names`); absent in version 1. */
  job_names_anonymised: z.boolean().optional(),
  /** The embedder that made the signature vectors (`hashing-v1-256`, `openai:model:dims`). */
  embedder: z.string().nullable(),
  counts: z.strictObject({ cases: z.number().int().min(0), signatures: z.number().int().min(0), resolutions: z.number().int().min(0), jobs: z.number().int().min(0).optional() }),
});
export type HistoryHeader = z.infer<typeof HistoryHeader>;

const CaseLine = z.strictObject({
  type: z.literal('case'),
  run_id: Id, attempt: Id.min(1), failed_at: Instant, incident_id: Id,
  source: z.string(), orchestrator: z.string(), namespace: z.string(), name: z.string(), run_key: z.string(),
  error: z.strictObject({ message: z.string().nullable(), detail: z.string().nullable() }),
  signature_id: Id,
  /** The run completed after this attempt failed. */
  run_recovered: z.boolean(),
  /** How the incident ended; null while it is open. */
  resolution: z.strictObject({ action: z.string(), actor: z.string(), outcome: z.string(), resolved_at: z.string() }).nullable(),
  next_attempt: z.string().nullable(),
  sla_missed: z.boolean().nullable(),
  services: z.array(z.strictObject({ name: z.string(), title: z.string().nullable(), criticality: z.string() })),
});
const SignatureLine = z.strictObject({
  type: z.literal('signature'),
  id: Id, fingerprint: z.string(), template: z.string(), exception_type: z.string().nullable(), first_seen_at: Instant,
  embedding: z.array(z.number()).nullable(),
  /** The signatures the decision endpoint takes for the same failure, itself included. */
  near: z.array(Id),
});
const ResolutionLine = z.strictObject({
  type: z.literal('resolution'),
  signature_id: Id, action: z.string(), outcome: z.string(), time_to_recover_ms: z.number().nullable(), resolved_at: Instant,
});
const JobLine = z.strictObject({ type: z.literal('job'), namespace: z.string(), name: z.string() });
const Line = z.discriminatedUnion('type', [CaseLine, SignatureLine, ResolutionLine, JobLine]);
type CaseLine = z.infer<typeof CaseLine>;
type SignatureLine = z.infer<typeof SignatureLine>;

const vector = (text: string | null) => (text ? (JSON.parse(text) as number[]).map((x) => Math.round(x * 1e5) / 1e5) : null);

/** The history as lines of NDJSON, header first. */
export function historyLines(h: ReplayHistory, exportedAt: Date): string[] {
  const signatures = new Map<number, Omit<SignatureLine, 'first_seen_at'> & { first_seen_at: Date }>();
  const cases = h.failures.map((f): z.input<typeof CaseLine> => {
    if (!signatures.has(f.signature_id)) {
      signatures.set(f.signature_id, {
        type: 'signature', id: f.signature_id, fingerprint: f.fingerprint, template: f.template, exception_type: f.exception_type,
        first_seen_at: f.signature_first_seen_at, embedding: vector(f.embedding), near: [...(h.history.near.get(f.signature_id) ?? [f.signature_id])],
      });
    }
    const after = h.after.get(caseKey(f));
    return {
      type: 'case', run_id: f.run_id, attempt: f.attempt, failed_at: f.failed_at.toISOString(), incident_id: f.incident_id,
      source: f.source, orchestrator: f.orchestrator, namespace: f.namespace, name: f.name, run_key: f.run_key,
      error: { message: f.error_message?.slice(0, MESSAGE_MAX) ?? null, detail: f.error_detail?.slice(0, DETAIL_MAX) ?? null },
      signature_id: f.signature_id, run_recovered: f.run_recovered, resolution: f.resolution,
      next_attempt: after?.next_attempt ?? null, sla_missed: after?.sla_missed ?? null,
      services: (h.history.services.get(`${f.namespace}/${f.name}`) ?? []).map((s) => ({ name: s.name, title: s.title, criticality: s.criticality })),
    };
  });
  const header: z.input<typeof HistoryHeader> = {
    type: 'medic-history', version: HISTORY_VERSION, exported_at: exportedAt.toISOString(), from: h.from.toISOString(), until: h.until.toISOString(),
    anonymised: h.anonymised, job_names_anonymised: h.jobNamesAnonymised, embedder: h.embedder,
    counts: { cases: cases.length, signatures: signatures.size, resolutions: h.history.resolutions.length, jobs: h.jobs?.length ?? 0 },
  };
  const jobs = (h.jobs ?? []).map((job) => ({ type: 'job', ...splitJob(job) }));
  return [header, ...cases, ...signatures.values(), ...h.history.resolutions.map((r) => ({ type: 'resolution', ...r })), ...jobs].map((x) => JSON.stringify(x));
}

/** A history file read back, or what is wrong with it (the line and the field). */
export type ReadHistory = { kind: 'ok'; header: HistoryHeader; history: ReplayHistory } | { kind: 'invalid'; message: string };

const fault = (z: z.ZodError) => z.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`).join('; ');

/** Parses an exported history; `origin` names it in messages (its path). */
export function readHistory(text: string, origin: string): ReadHistory {
  const lines = text.split('\n').map((l, i) => ({ n: i + 1, l: l.trim() })).filter((x) => x.l !== '');
  const json = (x: { n: number; l: string }): unknown => {
    try {
      return JSON.parse(x.l);
    } catch {
      return undefined;
    }
  };
  const first = lines[0] ? json(lines[0]) : undefined;
  const kind = first && typeof first === 'object' ? (first as { type?: unknown; version?: unknown }) : {};
  if (kind.type !== 'medic-history') return { kind: 'invalid', message: `${origin}: not a Medic history export (its first line is no medic-history header); make one with \`medic export history\`` };
  if (!READABLE.includes(kind.version as (typeof READABLE)[number])) return { kind: 'invalid', message: `${origin}: history format version ${String(kind.version)}, this Medic reads versions ${READABLE.join(' and ')}` };
  const header = HistoryHeader.safeParse(first);
  if (!header.success) return { kind: 'invalid', message: `${origin}:1: ${fault(header.error)}` };
  const cases: CaseLine[] = [];
  const signatures = new Map<number, SignatureLine>();
  const resolutions: PastResolution[] = [];
  const jobs: string[] = [];
  for (const x of lines.slice(1)) {
    const parsed = Line.safeParse(json(x));
    if (!parsed.success) return { kind: 'invalid', message: `${origin}:${x.n}: ${fault(parsed.error)}` };
    const v = parsed.data;
    if (v.type === 'case') cases.push(v);
    else if (v.type === 'signature') signatures.set(v.id, v);
    else if (v.type === 'job') jobs.push(`${v.namespace}/${v.name}`);
    else resolutions.push({ signature_id: v.signature_id, action: v.action, outcome: v.outcome, time_to_recover_ms: v.time_to_recover_ms, resolved_at: v.resolved_at });
  }
  const counts = header.data.counts;
  // Version 1 wrote no job lines, nor a count of them.
  const listsJobs = header.data.version > 1;
  const jobsCounted = listsJobs ? counts.jobs : 0;
  if (cases.length !== counts.cases || signatures.size !== counts.signatures || resolutions.length !== counts.resolutions || jobs.length !== jobsCounted) {
    const held = `${cases.length} cases, ${signatures.size} signatures, ${resolutions.length} resolutions and ${jobs.length} jobs`;
    return { kind: 'invalid', message: `${origin}: the header counts ${counts.cases} cases, ${counts.signatures} signatures, ${counts.resolutions} resolutions and ${jobsCounted ?? '(no count of)'} jobs; the file holds ${held} (cut short?)` };
  }
  const missing = cases.find((c) => !signatures.has(c.signature_id));
  if (missing) return { kind: 'invalid', message: `${origin}: case ${missing.run_id}:${missing.attempt} names signature ${missing.signature_id}, which has no signature line` };
  return { kind: 'ok', header: header.data, history: historyOf(header.data, cases, signatures, resolutions, listsJobs ? jobs : null, origin) };
}

function historyOf(header: HistoryHeader, cases: CaseLine[], signatures: Map<number, SignatureLine>, resolutions: PastResolution[], jobs: string[] | null, origin: string): ReplayHistory {
  const services = new Map<string, ServiceContext[]>();
  const after = new Map<string, Aftermath>();
  const failures = cases.sort((a, b) => a.failed_at.getTime() - b.failed_at.getTime() || a.run_id - b.run_id || a.attempt - b.attempt).map((c): StoredFailure => {
    const s = signatures.get(c.signature_id) as SignatureLine;
    services.set(`${c.namespace}/${c.name}`, c.services.map((x) => ({ ...x, forecast: null })));
    after.set(caseKey(c), { next_attempt: c.next_attempt, sla_missed: c.sla_missed });
    return {
      run_id: c.run_id, attempt: c.attempt, failed_at: c.failed_at, incident_id: c.incident_id, namespace: c.namespace, name: c.name,
      source: c.source, orchestrator: c.orchestrator, run_key: c.run_key, error_message: c.error.message, error_detail: c.error.detail,
      signature_id: s.id, fingerprint: s.fingerprint, template: s.template, exception_type: s.exception_type,
      embedding: s.embedding ? JSON.stringify(s.embedding) : null, signature_first_seen_at: s.first_seen_at,
      run_recovered: c.run_recovered, resolution: c.resolution,
    };
  });
  const near = new Map([...signatures.values()].map((s) => [s.id, s.near]));
  return {
    origin, from: header.from, until: header.until, failures, history: { near, resolutions, services }, after,
    anonymised: header.anonymised, jobNamesAnonymised: header.job_names_anonymised ?? header.anonymised, embedder: header.embedder, jobs,
  };
}
