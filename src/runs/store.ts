import { createHash } from 'node:crypto';
import { withTransaction, type Pool } from '../db/pool.ts';
import { foldEvents, jobKeyOf } from './fold.ts';
import { collectDatasetStats, writeDatasetStats } from './dataset-stats.ts';
import { collectLineage, writeLineage } from './lineage.ts';
import type { NormalizedRunEvent } from './schema.ts';
import {
  ensureJobs, insertEvents, insertPayloads, insertSources, upsertAttempts, upsertRuns,
  type EventRow, type StoredRun,
} from './store-sql.ts';

/** One payload as received, with the events its adapter made of it. */
export interface IncomingPayload {
  body: unknown;
  events: NormalizedRunEvent[];
}

export interface StoreOutcome {
  /** For each payload, for each of its events: true when stored now, false when already stored. */
  inserted: boolean[][];
  /** The runs the new events changed, with their state after the change. */
  runs: StoredRun[];
  /** Attempts that new events reported failed or aborted: each deserves an analysis. */
  failures: { runId: number; attempt: number }[];
  /** Dataset versions written now whose size looks partial or overloaded. */
  suspect: number;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The identity of an event: the same event delivered twice has the same key. 128 bits of
 * SHA-256, written as a UUID so that Postgres indexes 16 bytes rather than 32.
 */
export function dedupeKey(e: NormalizedRunEvent): string {
  const h = sha256(
    [e.source, e.job.namespace, e.job.name, e.run.runKey, e.run.externalId, e.run.attempt, e.eventType,
      e.eventTime.toISOString()].join('\u0000'),
  );
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * Stores payloads and their events in one transaction, each event once however often it comes,
 * and folds the new ones into runs and attempts.
 */
export async function storeEvents(pool: Pool, payloads: IncomingPayload[]): Promise<StoreOutcome> {
  const prepared = payloads.map((p) => {
    const body = JSON.stringify(p.body);
    return { body, sha: sha256(body), events: p.events.map((e) => ({ e, key: dedupeKey(e) })) };
  });
  const all = prepared.flatMap((p) => p.events.map((x) => ({ ...x, sha: p.sha })));
  if (all.length === 0) return { inserted: payloads.map(() => []), runs: [], failures: [], suspect: 0 };
  const firstByKey = new Map<string, (typeof all)[number]>();
  for (const x of all) if (!firstByKey.has(x.key)) firstByKey.set(x.key, x);
  const unique = [...firstByKey.values()];

  // Every event's lineage, redelivered or not: a replayed history teaches what its first delivery
  // predates, and a fact already stored is not written again.
  const events = unique.map((x) => x.e);
  const lineage = collectLineage(events);
  // Sizes likewise: a later size of the same run replaces an earlier one, a known one writes nothing.
  const stats = collectDatasetStats(events);

  const { fresh, runs, failures, suspect } = await withTransaction(pool, async (tx) => {
    await insertSources(tx, uniqueBy(unique.map((x) => ({ name: x.e.source, orchestrator: x.e.orchestrator })), (s) => s.name));
    const eventJobs = unique.map((x) => ({ namespace: x.e.job.namespace, name: x.e.job.name, source: x.e.source, orchestrator: x.e.orchestrator }));
    const jobs = await ensureJobs(tx, uniqueBy(lineage ? [...eventJobs, ...lineage.jobs] : eventJobs, (j) => `${j.namespace}\u0000${j.name}`));
    const jobIds = new Map(jobs.map((j) => [`${j.namespace}\u0000${j.name}`, j.id]));
    const withPayload = prepared.filter((p) => p.events.length > 0);
    await insertPayloads(tx, uniqueBy(withPayload.map((p) => ({
      sha256: p.sha, source: p.events[0]?.e.source ?? '', orchestrator: p.events[0]?.e.orchestrator ?? '',
      body: p.body })), (p) => p.sha256));
    const rows: EventRow[] = unique.map((x) => ({
      dedupeKey: x.key, source: x.e.source, orchestrator: x.e.orchestrator, jobId: jobIdOf(jobIds, x.e),
      runKey: x.e.run.runKey, attempt: x.e.run.attempt, externalId: x.e.run.externalId, eventType: x.e.eventType,
      eventTime: x.e.eventTime, payloadSha256: x.sha, normalized: detailOf(x.e),
    }));
    const fresh = await insertEvents(tx, rows);
    if (lineage) await writeLineage(tx, lineage, (key) => jobIdByKey(jobIds, key));
    const suspect = stats ? await writeDatasetStats(tx, stats, (key) => jobIdByKey(jobIds, key)) : 0;
    const folded = foldEvents(unique.filter((x) => fresh.has(x.key)).map((x) => x.e));
    if (folded.runs.length === 0) return { fresh, runs: [], failures: [], suspect };
    const stored = await upsertRuns(tx, folded.runs.map((r) => jobIdByKey(jobIds, r.jobKey)), folded.runs);
    const runIds = new Map(stored.map((r) => [`${r.job_id}\u0000${r.run_key}`, r.id]));
    await upsertAttempts(tx, folded.attempts.map((a) => {
      const id = runIds.get(`${jobIdByKey(jobIds, a.jobKey)}\u0000${a.runKey}`);
      if (id === undefined) throw new Error(`attempt without its run: ${a.runKey}`);
      return id;
    }), folded.attempts);
    const failures = folded.attempts
      .filter((a) => a.state === 'failed' || a.state === 'aborted')
      .map((a) => ({ runId: runIds.get(`${jobIdByKey(jobIds, a.jobKey)}\u0000${a.runKey}`) ?? 0, attempt: a.attempt }));
    return { fresh, runs: stored, failures, suspect };
  });
  const claimed = new Set<string>();
  const inserted = prepared.map((p) => p.events.map(({ key }) => {
    if (!fresh.has(key) || claimed.has(key)) return false;
    claimed.add(key);
    return true;
  }));
  return { inserted, runs, failures, suspect };
}

/**
 * What the event said beyond its columns (times, duration, error, parent); the facets stay in
 * the payload. Built by hand: it runs for every event and JSON.stringify of a spread copy costs.
 */
function detailOf(e: NormalizedRunEvent): string {
  const d: Record<string, unknown> = {};
  if (e.scheduledAt) d.scheduledAt = e.scheduledAt;
  if (e.queuedAt) d.queuedAt = e.queuedAt;
  if (e.startedAt) d.startedAt = e.startedAt;
  if (e.endedAt) d.endedAt = e.endedAt;
  if (e.durationMs !== undefined) d.durationMs = e.durationMs;
  if (e.error) d.error = e.error;
  if (e.parent) d.parent = e.parent;
  return JSON.stringify(d);
}

function uniqueBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

function jobIdByKey(ids: Map<string, number>, jobKey: string): number {
  const id = ids.get(jobKey);
  if (id === undefined) throw new Error(`job not upserted: ${jobKey}`);
  return id;
}

function jobIdOf(ids: Map<string, number>, e: NormalizedRunEvent): number {
  return jobIdByKey(ids, jobKeyOf(e));
}
