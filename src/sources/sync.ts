/**
 * One pass over one source: claim its lease, pull pages from its cursor, store each page's
 * payloads through the same ingest as `POST /v1/events` (idempotent, per-item results), then its
 * cursor, so a pass killed at any point resumes after the last stored page with nothing lost and
 * nothing stored twice. The next page is fetched while the current one is stored.
 */
import type { Logger } from 'pino';
import type { Queryable } from '../db/pool.ts';
import { ingest, type IngestDeps } from '../ingest/ingest.ts';
import type { SourceConfig } from './config.ts';
import type { Cursor, Puller, PullStep } from './puller.ts';
import { orderedLanes } from './lanes.ts';
import { readAhead } from './read-ahead.ts';
import { claimSource, finishPass, recordSourceErrors, resetCursor, savePage, type SourceError } from './state-sql.ts';

export interface SyncDeps extends IngestDeps {
  pool: IngestDeps['pool'];
  clock: () => Date;
  log: Pick<Logger, 'info' | 'warn' | 'debug'>;
  /** The time zone of sources whose timestamps carry none (Control-M). */
  timeZone: string;
}

export interface SyncCounts {
  pages: number;
  /** Payloads pulled (task instances, workflows, jobs, events). */
  items: number;
  /** Payloads that brought something new. */
  accepted: number;
  /** Payloads already stored: a resumed or repeated pass. */
  duplicates: number;
  rejected: number;
  malformed: number;
  /** Time spent storing pages and cursors (the rest of a pass is the source's API and waiting on it). */
  storeMs: number;
}

export interface SyncProgress extends SyncCounts {
  source: string;
  /** What the API says the pass holds, when it says. */
  total: number | null;
  newest: Date | null;
}

export type SyncOutcome =
  | ({ kind: 'done'; source: string; ms: number; newest: Date | null } & SyncCounts)
  | ({ kind: 'failed'; source: string; ms: number; detail: string; fatal: boolean; where: string } & SyncCounts)
  | ({ kind: 'interrupted'; source: string; ms: number } & SyncCounts)
  | { kind: 'busy'; source: string; owner: string };

export interface SyncOptions {
  /** Who holds the lease: unique per process (`host:pid:…`). */
  owner: string;
  /** The oldest history a source with no cursor (or `restart`) is pulled from. */
  since: Date;
  /** Pull again from `since`, whatever the stored cursor says. */
  restart?: boolean;
  /** Holders of the lease known to be dead, taken over at once. */
  deadOwners?: readonly string[];
  signal?: AbortSignal;
  onProgress?: (p: SyncProgress) => void;
  /** How long the lease lasts without a stored page. @defaultValue 60 s */
  leaseMs?: number;
}

/** At most this many refused payloads of one batch are recorded one by one; the rest are counted. */
const ERRORS_PER_BATCH = 20;
/** Payloads stored in one go, and read ahead of the store (pages are fetched while others are stored). */
const BATCH_ITEMS = 1_000;
const READ_AHEAD_ITEMS = 3_000;
/** Batches stored at once: PostgreSQL stores one while Node prepares the next. */
const STORE_LANES = 2;
const weightOf = (s: PullStep) => (s.kind === 'page' ? Math.max(1, s.items.length) : 1);
const MAX_DETAIL = 500;

export async function syncSource(deps: SyncDeps, source: SourceConfig, puller: Puller, options: SyncOptions): Promise<SyncOutcome> {
  const started = performance.now();
  const leaseMs = options.leaseMs ?? 60_000;
  const claim = await claimSource(deps.pool, source.source, source.kind, options.owner, leaseMs, options.deadOwners);
  if (claim.kind === 'busy') return { kind: 'busy', source: source.source, owner: claim.owner };
  if (options.restart) await resetCursor(deps.pool, source.source, options.owner);
  const counts: SyncCounts = { pages: 0, items: 0, accepted: 0, duplicates: 0, rejected: 0, malformed: 0, storeMs: 0 };
  const progress: SyncProgress = { ...counts, source: source.source, total: null, newest: null };
  const now = deps.clock();
  const cursor = options.restart ? null : claim.state.cursor;
  const steps = readAhead(puller.pull({ since: options.since, cursor, now }, options.signal)[Symbol.asyncIterator](), READ_AHEAD_ITEMS, weightOf);
  const ms = () => Math.round(performance.now() - started);
  const lanes = orderedLanes<Ingested>(STORE_LANES);
  const save = async (r: Ingested) => {
    await recordSourceErrors(deps.pool, source.source, r.errors);
    await keepCursor(deps.pool, source, options, r.page, leaseMs);
    Object.assign(progress, counts, { storeMs: lanes.busyMs });
    if (r.total !== undefined) progress.total = r.total;
    if (r.page.newest && (!progress.newest || r.page.newest > progress.newest)) progress.newest = r.page.newest;
    options.onProgress?.(progress);
  };
  try {
    for (;;) {
      const batch = await steps.take(BATCH_ITEMS, (s) => s.kind === 'failed');
      if (batch === null) break;
      if (options.signal?.aborted) {
        await lanes.drain();
        await finishPass(deps.pool, source.source, options.owner, { kind: 'interrupted' });
        return { kind: 'interrupted', source: source.source, ms: ms(), ...counts, storeMs: lanes.busyMs };
      }
      const [first] = batch;
      if (first?.kind === 'failed') {
        await lanes.drain();
        await recordSourceErrors(deps.pool, source.source, [{ kind: 'failed', at_page: first.where, field: null, detail: clip(first.detail) }]);
        await finishPass(deps.pool, source.source, options.owner, { kind: 'failed', detail: clip(`${first.where}: ${first.detail}`), fatal: first.fatal });
        return { kind: 'failed', source: source.source, ms: ms(), detail: first.detail, fatal: first.fatal, where: first.where, ...counts, storeMs: lanes.busyMs };
      }
      await lanes.add(() => ingestBatch(deps, source, batch as Stored[], counts), save);
    }
    await lanes.drain();
    // A puller stops early when asked to: what it did not pull is not a pass that reached its end.
    if (options.signal?.aborted) {
      await finishPass(deps.pool, source.source, options.owner, { kind: 'interrupted' });
      return { kind: 'interrupted', source: source.source, ms: ms(), ...counts, storeMs: lanes.busyMs };
    }
  } catch (err) {
    await finishPass(deps.pool, source.source, options.owner, { kind: 'failed', detail: clip(describe(err)), fatal: false }).catch(() => undefined);
    throw err;
  } finally {
    steps.stop();
  }
  await finishPass(deps.pool, source.source, options.owner, { kind: 'ok', at: now });
  return { kind: 'done', source: source.source, ms: ms(), newest: progress.newest, ...counts, storeMs: Math.round(lanes.busyMs) };
}

type Stored = Exclude<PullStep, { kind: 'failed' }>;

/** What storing a batch's payloads came to: the errors to record and the cursor to save after them. */
interface Ingested {
  errors: Omit<SourceError, 'id' | 'at'>[];
  page: { cursor: Cursor; items: number; pages: number; newest: Date | null };
  total: number | undefined;
}

/**
 * Stores the payloads of a batch of steps in one go (one ingest per format) and says what to
 * record of it: its malformed pages, its refused payloads, and the cursor of its last step.
 */
async function ingestBatch(deps: SyncDeps, source: SourceConfig, batch: readonly Stored[], counts: SyncCounts): Promise<Ingested> {
  const errors: Omit<SourceError, 'id' | 'at'>[] = [];
  const pages = batch.filter((s): s is Extract<Stored, { kind: 'page' }> => s.kind === 'page');
  for (const step of batch) {
    if (step.kind !== 'malformed') continue;
    counts.malformed += 1;
    errors.push({ kind: 'malformed', at_page: step.where, field: step.field, detail: clip(step.detail) });
    deps.log.warn({ source: source.source, where: step.where, field: step.field, detail: step.detail }, 'malformed page skipped');
  }
  for (const orchestrator of new Set(pages.map((p) => p.orchestrator))) {
    const mine = pages.filter((p) => p.orchestrator === orchestrator);
    // Where each payload came from, to name its page when it is refused.
    const from = mine.flatMap((p) => p.items.map((_, index) => ({ page: p.where, index })));
    const items = mine.flatMap((p) => p.items);
    if (items.length === 0) continue;
    const s = await ingest(deps, { orchestrator, source: source.source, timeZone: deps.timeZone, items, receivedAt: deps.clock() });
    counts.accepted += s.accepted;
    counts.duplicates += s.duplicate;
    counts.rejected += s.rejected;
    let recorded = 0;
    for (const item of s.items) {
      if (item.status !== 'rejected' || recorded >= ERRORS_PER_BATCH) continue;
      recorded += 1;
      const at = from[item.index];
      for (const issue of item.issues.slice(0, 3)) {
        errors.push({ kind: 'rejected', at_page: at?.page ?? '?', field: [`items[${at?.index ?? item.index}]`, ...issue.path].join('.'), detail: clip(issue.message) });
      }
    }
    if (s.rejected > recorded) errors.push({ kind: 'rejected', at_page: mine[0]?.where ?? '?', field: null, detail: `${s.rejected - recorded} more payloads refused in these pages` });
  }
  let newest: Date | null = null;
  let total: number | undefined;
  for (const p of pages) {
    counts.pages += 1;
    counts.items += p.items.length;
    if (p.newest && (!newest || p.newest > newest)) newest = p.newest;
    if (p.total !== undefined) total = p.total;
  }
  const last = batch[batch.length - 1] as Stored;
  return { errors, total, page: { cursor: last.cursor, items: pages.reduce((n, p) => n + p.items.length, 0), pages: pages.length, newest } };
}

async function keepCursor(db: Queryable, source: SourceConfig, options: SyncOptions, page: Parameters<typeof savePage>[3], leaseMs: number): Promise<void> {
  if (!(await savePage(db, source.source, options.owner, page, leaseMs))) {
    // Another process took the lease (ours lapsed): it resumes from our last stored page.
    throw new Error(`the lease on source ${source.source} was lost; another sync took it over`);
  }
}

const clip = (s: string) => (s.length > MAX_DETAIL ? `${s.slice(0, MAX_DETAIL)}…` : s);
const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));
