import { hash } from 'node:crypto';
import { canCopyFrom, withTransaction, type Pool } from '../db/pool.ts';
import { foldEvents, jobKeyOf } from './fold.ts';
import { collectDatasetStats, writeDatasetStats } from './dataset-stats.ts';
import { collectLineage, writeLineage } from './lineage.ts';
import type { NormalizedRunEvent } from './schema.ts';
import {
  createStages, ensureJobs, insertEvents, insertPayloads, insertSources, PayloadStage, refuseUnescapable, stageEvents,
  upsertRunsAndAttempts, type StoredRun,
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

const sha256 = (text: string) => hash('sha256', text, 'hex');

/**
 * The identity of an event: the same event delivered twice has the same key. 128 bits of
 * SHA-256, written as a UUID so that Postgres indexes 16 bytes rather than 32.
 */
export function dedupeKey(e: NormalizedRunEvent): string {
  return keyOf(e, e.eventTime.toISOString());
}

function keyOf(e: NormalizedRunEvent, eventTime: string): string {
  const h = sha256([e.source, e.job.namespace, e.job.name, e.run.runKey, e.run.externalId, e.run.attempt, e.eventType, eventTime].join('\u0000'));
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

interface Unique {
  e: NormalizedRunEvent;
  key: string;
  sha: string;
  /** Position among the batch's distinct events, as staged. */
  at: number;
  /** What it says beyond its columns (`detailOf`), until it is staged. */
  detail: string;
  /** Inserted by this batch, as the database said. */
  fresh: boolean;
}

/**
 * Stores payloads and their events in one transaction, each event once however often it comes,
 * and folds the new ones into runs and attempts.
 */
export async function storeEvents(pool: Pool, payloads: IncomingPayload[]): Promise<StoreOutcome> {
  const copy = canCopyFrom(pool);
  // The batch's times as Date#toJSON writes them, each written once: the same Date stands for an
  // event's time, its start or end, and its run's and attempt's state in the rows below.
  const isoOf = new Map<Date, string>();
  const iso = (d: Date | null | undefined): string | null => {
    if (!(d instanceof Date)) return null;
    let text = isoOf.get(d);
    if (text === undefined) {
      if (!Number.isFinite(d.getTime())) return null;
      text = d.toISOString();
      isoOf.set(d, text);
    }
    return text;
  };
  const byKey = new Map<string, Unique>();
  const unique: Unique[] = [];
  // Each body is serialised, hashed and written to its staging rows here, then let go: a batch
  // holds a body for the time of a loop rather than of a transaction.
  const staged = new PayloadStage(copy, payloads.length * 900);
  const stagedShas = new Set<string>();
  const maybeUnescapable: { source: string; body: string; normalized: string[] }[] = [];
  const inBatch = payloads.map((p) => {
    const body = JSON.stringify(p.body);
    const sha = sha256(body);
    const events = p.events.map((e) => {
      // toISOString, not the cache's null: an event without a valid time throws here as it always did.
      const time = isoOf.get(e.eventTime) ?? e.eventTime.toISOString();
      isoOf.set(e.eventTime, time);
      const key = keyOf(e, time);
      let x = byKey.get(key);
      if (x === undefined) {
        x = { e, key, sha, at: unique.length, detail: detailOf(e, iso), fresh: false };
        byKey.set(key, x);
        unique.push(x);
      }
      return x;
    });
    const first = p.events[0];
    if (first !== undefined && !stagedShas.has(sha)) {
      stagedShas.add(sha);
      staged.add({ sha256: sha, source: first.source, orchestrator: first.orchestrator, body });
      if (body.includes('\\u') || UNESCAPABLE.test(first.source) || events.some((x) => x.detail.includes('\\u'))) {
        maybeUnescapable.push({ source: first.source, body, normalized: events.map((x) => x.detail) });
      }
    }
    return events;
  });
  if (unique.length === 0) return { inserted: payloads.map(() => []), runs: [], failures: [], suspect: 0 };

  // Every event's lineage, redelivered or not: a replayed history teaches what its first delivery
  // predates, and a fact already stored is not written again.
  const events = unique.map((x) => x.e);
  const lineage = collectLineage(events);
  // Sizes likewise: a later size of the same run replaces an earlier one, a known one writes nothing.
  const stats = collectDatasetStats(events);

  const { runs, failures, suspect } = await withTransaction(pool, async (tx) => {
    await insertSources(tx, uniqueBy(unique.map((x) => ({ name: x.e.source, orchestrator: x.e.orchestrator })), (s) => s.name));
    const eventJobs = unique.map((x) => ({ namespace: x.e.job.namespace, name: x.e.job.name, source: x.e.source, orchestrator: x.e.orchestrator }));
    const jobs = await ensureJobs(tx, uniqueBy(lineage ? [...eventJobs, ...lineage.jobs] : eventJobs, (j) => `${j.namespace}\u0000${j.name}`));
    const jobIds = new Map(jobs.map((j) => [`${j.namespace}\u0000${j.name}`, j.id]));
    await refuseUnescapable(tx, maybeUnescapable);
    await createStages(tx);
    await stageEvents(tx, copy, staged, unique.map((x) => ({
      dedupeKey: x.key, source: x.e.source, orchestrator: x.e.orchestrator, jobId: jobIdOf(jobIds, x.e),
      runKey: x.e.run.runKey, attempt: x.e.run.attempt, externalId: x.e.run.externalId, eventType: x.e.eventType,
      eventTime: isoOf.get(x.e.eventTime) ?? x.e.eventTime.toISOString(), payloadSha256: x.sha, normalized: x.detail,
    })));
    for (const x of unique) x.detail = ''; // staged: the details can go
    await insertPayloads(tx);
    const fresh = await insertEvents(tx);
    for (const x of unique) x.fresh = fresh.charCodeAt(x.at) === 49; // '1'
    if (lineage) await writeLineage(tx, lineage, (key) => jobIdByKey(jobIds, key));
    const suspect = stats ? await writeDatasetStats(tx, stats, (key) => jobIdByKey(jobIds, key)) : 0;
    const folded = foldEvents(unique.filter((x) => x.fresh).map((x) => x.e));
    if (folded.runs.length === 0) return { runs: [], failures: [], suspect };
    const stored = await upsertRunsAndAttempts(
      tx, copy,
      folded.runs.map((row) => ({ jobId: jobIdByKey(jobIds, row.jobKey), row })),
      folded.attempts.map((row) => ({ jobId: jobIdByKey(jobIds, row.jobKey), row })),
      iso,
    );
    const runIds = new Map(stored.map((r) => [`${r.job_id}\u0000${r.run_key}`, r.id]));
    const failures = folded.attempts
      .filter((a) => a.state === 'failed' || a.state === 'aborted')
      .map((a) => ({ runId: runIds.get(`${jobIdByKey(jobIds, a.jobKey)}\u0000${a.runKey}`) ?? 0, attempt: a.attempt }));
    return { runs: stored, failures, suspect };
  });
  // An event the batch holds twice was stored by its first mention.
  const claimed = new Set<Unique>();
  const inserted = inBatch.map((events) => events.map((x) => {
    if (!x.fresh || claimed.has(x)) return false;
    claimed.add(x);
    return true;
  }));
  return { inserted, runs, failures, suspect };
}

// A NUL or a lone surrogate: JSON.stringify escapes both as \uXXXX, so a body or detail without
// `\u` holds neither; the source, which need not come from the body, is looked at itself.
const UNESCAPABLE = /[\u0000\ud800-\udfff]/;

/**
 * What the event said beyond its columns (times, duration, error, parent); the facets stay in
 * the payload. Written by hand, as JSON.stringify would write it: it runs for every event, and
 * each of its times is written once for the whole batch (`iso`).
 */
function detailOf(e: NormalizedRunEvent, iso: (d: Date) => string | null): string {
  let out = '';
  // JSON.stringify leaves out a member whose value has no JSON (undefined), and so does this.
  const add = (key: string, json: string | undefined) => {
    if (json !== undefined) out += `,"${key}":${json}`;
  };
  const date = (d: Date) => {
    if (!(d instanceof Date)) return JSON.stringify(d);
    const text = iso(d);
    return text === null ? 'null' : `"${text}"`;
  };
  if (e.scheduledAt) add('scheduledAt', date(e.scheduledAt));
  if (e.queuedAt) add('queuedAt', date(e.queuedAt));
  if (e.startedAt) add('startedAt', date(e.startedAt));
  if (e.endedAt) add('endedAt', date(e.endedAt));
  if (e.durationMs !== undefined) add('durationMs', JSON.stringify(e.durationMs));
  if (e.error) add('error', JSON.stringify(e.error));
  if (e.parent) add('parent', JSON.stringify(e.parent));
  return out === '' ? '{}' : `{${out.slice(1)}}`;
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
