import type { NormalizedRunEvent, RunEventType } from './schema.ts';

/**
 * Folding events into run and attempt rows, the part of ingest that needs no database.
 * Events may arrive out of order and in any batch split; every merge here is commutative
 * (least/greatest/latest-wins) so the SQL upsert can apply the same rules to stored rows.
 */

/** Breaks ties between events of one attempt at the same instant: later stages win. */
export const STATE_RANK: Record<RunEventType, number> = {
  scheduled: 1,
  queued: 2,
  started: 3,
  running: 4,
  retrying: 5,
  skipped: 6,
  completed: 7,
  aborted: 8,
  failed: 9,
};

export interface AttemptRow {
  jobKey: string;
  runKey: string;
  attempt: number;
  externalId: string;
  state: RunEventType;
  stateAt: Date;
  stateRank: number;
  queuedAt: Date | null;
  startedAt: Date | null;
  endedAt: Date | null;
  reportedDurationMs: number | null;
  errorMessage: string | null;
  errorDetail: string | null;
  errorLanguage: string | null;
}

export interface RunRow extends Omit<AttemptRow, 'reportedDurationMs' | 'errorLanguage'> {
  scheduledAt: Date | null;
  errorAttempt: number | null;
  parent: { namespace: string; name: string; runKey: string } | null;
  facets: Record<string, unknown>;
  eventCount: number;
}

/** Identifies a job inside one batch before it has a database id. */
export function jobKeyOf(e: Pick<NormalizedRunEvent, 'job'>): string {
  return `${e.job.namespace}\u0000${e.job.name}`;
}

function minDate(a: Date | null, b: Date | undefined): Date | null {
  if (!b) return a;
  return !a || b < a ? b : a;
}
function maxDate(a: Date | null, b: Date | undefined): Date | null {
  if (!b) return a;
  return !a || b > a ? b : a;
}

/** True when (attempt, time, rank) of `b` is later than that of `a`: b's state wins. */
export function laterState(
  a: { attempt: number; stateAt: Date; stateRank: number },
  b: { attempt: number; stateAt: Date; stateRank: number },
): boolean {
  if (b.attempt !== a.attempt) return b.attempt > a.attempt;
  if (b.stateAt.getTime() !== a.stateAt.getTime()) return b.stateAt > a.stateAt;
  return b.stateRank > a.stateRank;
}

function attemptFrom(e: NormalizedRunEvent, jobKey: string): AttemptRow {
  return {
    jobKey,
    runKey: e.run.runKey,
    attempt: e.run.attempt,
    externalId: e.run.externalId,
    state: e.eventType,
    stateAt: e.eventTime,
    stateRank: STATE_RANK[e.eventType],
    queuedAt: e.queuedAt ?? null,
    startedAt: e.startedAt ?? null,
    endedAt: e.endedAt ?? null,
    reportedDurationMs: e.durationMs ?? null,
    errorMessage: e.error?.message ?? null,
    errorDetail: e.error?.detail ?? null,
    errorLanguage: e.error?.language ?? null,
  };
}

function mergeAttempt(row: AttemptRow, next: AttemptRow): void {
  if (laterState(row, next)) {
    row.state = next.state;
    row.stateAt = next.stateAt;
    row.stateRank = next.stateRank;
    row.externalId = next.externalId;
  }
  row.queuedAt = minDate(row.queuedAt, next.queuedAt ?? undefined);
  row.startedAt = minDate(row.startedAt, next.startedAt ?? undefined);
  row.endedAt = maxDate(row.endedAt, next.endedAt ?? undefined);
  row.reportedDurationMs = next.reportedDurationMs ?? row.reportedDurationMs;
  if (next.errorMessage !== null) {
    row.errorMessage = next.errorMessage;
    row.errorDetail = next.errorDetail ?? row.errorDetail;
    row.errorLanguage = next.errorLanguage ?? row.errorLanguage;
  }
}

function runFrom(a: AttemptRow, e: NormalizedRunEvent): RunRow {
  return {
    jobKey: a.jobKey,
    runKey: a.runKey,
    attempt: a.attempt,
    externalId: a.externalId,
    state: a.state,
    stateAt: a.stateAt,
    stateRank: a.stateRank,
    queuedAt: a.queuedAt,
    startedAt: a.startedAt,
    endedAt: a.endedAt,
    errorMessage: a.errorMessage,
    errorDetail: a.errorDetail,
    errorAttempt: a.errorMessage === null ? null : a.attempt,
    scheduledAt: e.scheduledAt ?? null,
    parent: e.parent ? { ...e.parent.job, runKey: e.parent.runKey } : null,
    facets: { ...e.facets },
    eventCount: 1,
  };
}

function mergeRun(run: RunRow, attempt: AttemptRow, e: NormalizedRunEvent): void {
  if (laterState(run, attempt)) {
    run.attempt = attempt.attempt;
    run.state = attempt.state;
    run.stateAt = attempt.stateAt;
    run.stateRank = attempt.stateRank;
    run.externalId = attempt.externalId;
  }
  run.attempt = Math.max(run.attempt, attempt.attempt);
  run.scheduledAt = run.scheduledAt ?? e.scheduledAt ?? null;
  run.queuedAt = minDate(run.queuedAt, e.queuedAt);
  run.startedAt = minDate(run.startedAt, e.startedAt);
  run.endedAt = maxDate(run.endedAt, e.endedAt);
  if (e.error && (run.errorAttempt === null || e.run.attempt >= run.errorAttempt)) {
    run.errorMessage = e.error.message;
    run.errorDetail = e.error.detail ?? null;
    run.errorAttempt = e.run.attempt;
  }
  if (!run.parent && e.parent) run.parent = { ...e.parent.job, runKey: e.parent.runKey };
  Object.assign(run.facets, e.facets);
  run.eventCount += 1;
}

/** Folds a batch of events into one row per run and one per attempt, sorted by key. */
export function foldEvents(events: readonly NormalizedRunEvent[]): { runs: RunRow[]; attempts: AttemptRow[] } {
  const attempts = new Map<string, AttemptRow>();
  const runs = new Map<string, RunRow>();
  for (const e of events) {
    const jobKey = jobKeyOf(e);
    const runId = `${jobKey}\u0000${e.run.runKey}`;
    const attemptId = `${runId}\u0000${e.run.attempt}`;
    // This event's own view of its attempt: merged into the attempt's row, and into the run's.
    const thisAttempt = attemptFrom(e, jobKey);
    const a = attempts.get(attemptId);
    if (a) mergeAttempt(a, thisAttempt);
    else attempts.set(attemptId, thisAttempt);
    const r = runs.get(runId);
    if (r) mergeRun(r, thisAttempt, e);
    else runs.set(runId, runFrom(thisAttempt, e));
  }
  // A stable order keeps concurrent batches from locking the same rows in opposite orders.
  const byKey = <T extends { jobKey: string; runKey: string }>(x: T, y: T) =>
    x.jobKey < y.jobKey ? -1 : x.jobKey > y.jobKey ? 1 : x.runKey < y.runKey ? -1 : x.runKey > y.runKey ? 1 : 0;
  return {
    runs: [...runs.values()].sort(byKey),
    attempts: [...attempts.values()].sort((x, y) => byKey(x, y) || x.attempt - y.attempt),
  };
}
