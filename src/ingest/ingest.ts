import type { Logger } from 'pino';
import type { Pool } from '../db/pool.ts';
import { jobsWithOpenIncidents } from '../incidents/sql.ts';
import type { Metrics } from '../http/metrics.ts';
import type { JobQueue } from '../queue/queue.ts';
import type { Orchestrator } from '../runs/schema.ts';
import { storeEvents, type IncomingPayload, type StoreOutcome } from '../runs/store.ts';
import type { StoredRun } from '../runs/store-sql.ts';
import type { AdapterContext, PayloadIssue } from './adapter.ts';
import { adapters } from './adapters.ts';
import { storablePayload } from './unstorable.ts';

/** What became of one payload of a request. */
export type ItemResult =
  | { index: number; status: 'accepted'; events: number; duplicates: number }
  | { index: number; status: 'duplicate'; events: number }
  | { index: number; status: 'ignored'; reason: string }
  | { index: number; status: 'rejected'; issues: PayloadIssue[] };

export interface IngestSummary {
  accepted: number;
  duplicate: number;
  ignored: number;
  rejected: number;
  items: ItemResult[];
}

export interface IngestRequest {
  orchestrator: Orchestrator;
  /** The source instance; defaults to the orchestrator's name. */
  source?: string;
  timeZone: string;
  items: unknown[];
  receivedAt: Date;
}

export interface IngestDeps {
  pool: Pool;
  queue: JobQueue;
  /** Where suspect dataset versions are counted; callers without metrics (the demo's loops) leave it out. */
  metrics?: Pick<Metrics, 'suspectVersions'>;
  /** Told when the queue is too slow to take the analyses (they are queued again by the heal sweep). */
  log?: Pick<Logger, 'warn'>;
}

/**
 * How long ingest waits for the queue before answering: the events are stored (PostgreSQL is the
 * record), and a failure whose analysis was not queued is found by the heal sweep, so a queue
 * that is down must not hold the scheduler's request. @defaultValue 2 s
 */
const QUEUE_WAIT_MS = 2_000;

/**
 * Turns payloads into stored run events: adapt each, store the good ones together, and queue
 * the analysis of runs that failed. A bad payload never costs its neighbours their place.
 */
export async function ingest(deps: IngestDeps, req: IngestRequest): Promise<IngestSummary> {
  const ctx: AdapterContext = {
    timeZone: req.timeZone,
    receivedAt: req.receivedAt,
    ...(req.source === undefined ? {} : { source: req.source }),
  };
  const adapt = adapters[req.orchestrator];
  const results: (ItemResult | undefined)[] = [];
  const good: { index: number; payload: IncomingPayload }[] = [];
  req.items.forEach((item, index) => {
    const out = adapt(item, ctx);
    if (out.kind === 'rejected') results[index] = { index, status: 'rejected', issues: out.issues };
    else if (out.events.length === 0) results[index] = { index, status: 'ignored', reason: 'holds no run event' };
    else good.push({ index, payload: { body: item, events: out.events } });
  });
  const stored = await storeResilient(deps.pool, good.map((g) => g.payload));
  good.forEach((g, i) => {
    const outcome = stored.items[i];
    results[g.index] = outcome?.kind === 'stored'
      ? itemFromFlags(g.index, outcome.inserted)
      : { index: g.index, status: 'rejected', issues: [{ path: [], message: outcome?.message ?? 'not stored' }] };
  });
  if (stored.suspect > 0) deps.metrics?.suspectVersions.inc(stored.suspect);
  await queueWithin(deps, stored.failures, stored.runs);
  return summarise(results.filter((r): r is ItemResult => r !== undefined));
}

type Failure = StoreOutcome['failures'][number];
type PayloadOutcome = { kind: 'stored'; inserted: boolean[] } | { kind: 'refused'; message: string };
interface BatchOutcome {
  items: PayloadOutcome[];
  runs: StoredRun[];
  failures: Failure[];
  suspect: number;
}

/**
 * Stores the batch in one transaction; when the database refuses it (one payload holding a NUL
 * character, say), stores each payload on its own so that only the offending one is refused,
 * and one refused for characters PostgreSQL cannot hold is stored with them replaced.
 */
async function storeResilient(pool: Pool, payloads: IncomingPayload[]): Promise<BatchOutcome> {
  if (payloads.length === 0) return { items: [], runs: [], failures: [], suspect: 0 };
  const whole = await attempt(() => storeEvents(pool, payloads));
  if (whole.kind === 'stored') {
    const { inserted, runs, failures, suspect } = whole.value;
    return { items: inserted.map((flags) => ({ kind: 'stored', inserted: flags })), runs, failures, suspect };
  }
  const out: BatchOutcome = { items: [], runs: [], failures: [], suspect: 0 };
  for (const p of payloads) {
    let one = payloads.length === 1 ? whole : await attempt(() => storeEvents(pool, [p]));
    // Refused for characters PostgreSQL cannot hold (a NUL in a log): stored with them replaced.
    const storable = one.kind === 'refused' ? storablePayload(p) : undefined;
    if (storable) one = await attempt(() => storeEvents(pool, [storable]));
    if (one.kind === 'refused') {
      out.items.push(one);
      continue;
    }
    out.items.push({ kind: 'stored', inserted: one.value.inserted[0] ?? [] });
    out.runs.push(...one.value.runs);
    out.failures.push(...one.value.failures);
    out.suspect += one.value.suspect;
  }
  return out;
}

type Attempted = { kind: 'stored'; value: StoreOutcome } | { kind: 'refused'; message: string };

async function attempt(fn: () => Promise<StoreOutcome>): Promise<Attempted> {
  try {
    return { kind: 'stored', value: await fn() };
  } catch (err) {
    // SQLSTATE class 22 (data exception) and 23 (integrity) belong to a payload; anything else is
    // the database being unwell, which must surface as an error rather than blame the payloads.
    const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
    if (!/^2[23]/.test(code)) throw err;
    return { kind: 'refused', message: `could not be stored: ${(err as Error).message}` };
  }
}

function itemFromFlags(index: number, inserted: boolean[]): ItemResult {
  const fresh = inserted.filter(Boolean).length;
  if (fresh === 0) return { index, status: 'duplicate', events: inserted.length };
  return { index, status: 'accepted', events: fresh, duplicates: inserted.length - fresh };
}

async function queueWithin(deps: IngestDeps, failures: Failure[], runs: StoredRun[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const queued = queueAnalyses(deps, failures, runs).then(() => 'queued' as const, (err: unknown) => {
    deps.log?.warn({ err, failures: failures.length }, 'analyses not queued: the heal sweep will queue them');
    return 'failed' as const;
  });
  const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), QUEUE_WAIT_MS); });
  const outcome = await Promise.race([queued, late]).finally(() => clearTimeout(timer));
  if (outcome === 'late') deps.log?.warn({ failures: failures.length }, `the queue did not take the analyses within ${QUEUE_WAIT_MS} ms: answering now, they follow when it does (or from the heal sweep)`);
}

async function queueAnalyses(deps: IngestDeps, failures: Failure[], runs: StoredRun[]): Promise<void> {
  for (const f of failures) {
    // One analysis per failed attempt, however many events told Medic about it.
    await deps.queue.enqueue('analyse-failure', f, { jobId: `analyse-failure:${f.runId}:${f.attempt}` });
  }
  // Every change of a run can move a forecast: one sweep shortly after, however many batches come.
  if (runs.length > 0) await deps.queue.enqueue('forecast-sweep', {}, { jobId: 'forecast-sweep:after-ingest', delayMs: 2_000 });
  const completed = [...new Set(runs.filter((r) => r.state === 'completed').map((r) => r.job_id))];
  for (const jobId of await jobsWithOpenIncidents(deps.pool, completed)) {
    await deps.queue.enqueue('settle-incidents', { jobId }, { jobId: `settle-incidents:${jobId}`, delayMs: 250 });
  }
}

function summarise(items: ItemResult[]): IngestSummary {
  const count = (s: ItemResult['status']) => items.filter((i) => i.status === s).length;
  return {
    accepted: count('accepted'),
    duplicate: count('duplicate'),
    ignored: count('ignored'),
    rejected: count('rejected'),
    items: items.sort((a, b) => a.index - b.index),
  };
}
