import type { Queryable } from '../db/pool.ts';
import type { DerivedSignature } from '../signatures/service.ts';

/** One small function per query; the first argument is the pool or a transaction client. */

/** One attempt of a run, with what it said when it failed. */
export interface FailedAttempt {
  id: number;
  attempt: number;
  job_id: number;
  job_name: string;
  job_namespace: string;
  state: string;
  error_message: string | null;
  error_detail: string | null;
  failed_at: Date;
}

/** What a failed attempt said, or what stands for it when it said nothing. */
export function failureMessage(a: Pick<FailedAttempt, 'error_message' | 'job_name' | 'state'>): string {
  return a.error_message ?? `${a.job_name} ${a.state} without an error message`;
}

/** The attempt (the latest when `attempt` is absent) of a run, with its error. */
export async function getAttempt(db: Queryable, runId: number, attempt?: number): Promise<FailedAttempt | undefined> {
  const r = await db.query<FailedAttempt>(
    `select r.id, a.attempt, r.job_id, j.name as job_name, j.namespace as job_namespace, a.state,
            coalesce(a.error_message, case when r.error_attempt = a.attempt then r.error_message end) as error_message,
            coalesce(a.error_detail, case when r.error_attempt = a.attempt then r.error_detail end) as error_detail,
            coalesce(a.ended_at, a.state_at) as failed_at
     from runs r join jobs j on j.id = r.job_id join run_attempts a on a.run_id = r.id
     where r.id = $1 and a.attempt = coalesce($2::int, r.attempts)`, [runId, attempt ?? null]);
  return r.rows[0];
}

export async function isAnalysed(db: Queryable, runId: number, attempt: number): Promise<boolean> {
  const r = await db.query('select 1 from incident_runs where run_id = $1 and attempt = $2', [runId, attempt]);
  return (r.rowCount ?? 0) > 0;
}

/** A derived signature as stored, with one raw message, its vector and when it was seen. */
export type SignatureUpsert = Omit<DerivedSignature, 'embeddingText'> & {
  sample: string;
  embedding: number[];
  seenAt: Date;
};

/**
 * The stored signature a fingerprint belongs to: its own row, a key that answers for one, or,
 * failing both, the oldest signature made under an id the miner has merged into this one.
 */
export async function signatureIdFor(db: Queryable, fingerprint: string, aliasFingerprints: readonly string[]): Promise<number | null> {
  const r = await db.query<{ id: number | null }>(
    `select coalesce(
       (select id from signatures where fingerprint = $1),
       (select signature_id from signature_keys where fingerprint = $1),
       (select min(id) from signatures where fingerprint = any($2::text[])),
       (select min(signature_id) from signature_keys where fingerprint = any($2::text[]))) as id`,
    [fingerprint, aliasFingerprints],
  );
  return r.rows[0]?.id ?? null;
}

/** Lets a fingerprint answer for a signature, unless it is some signature's own or a key already. */
export async function addSignatureKey(db: Queryable, fingerprint: string, signatureId: number): Promise<boolean> {
  const r = await db.query(
    `insert into signature_keys (fingerprint, signature_id)
     select $1, $2 where not exists (select 1 from signatures where fingerprint = $1)
     on conflict (fingerprint) do nothing`,
    [fingerprint, signatureId],
  );
  return (r.rowCount ?? 0) > 0;
}

/** Records a failure on its signature, creating it when no stored one answers for the fingerprint. */
export async function upsertSignature(db: Queryable, s: SignatureUpsert): Promise<number> {
  const known = await signatureIdFor(db, s.fingerprint, s.aliasFingerprints);
  if (known !== null) {
    await db.query(
      `update signatures set
         occurrences = occurrences + 1,
         first_seen_at = least(first_seen_at, $2),
         last_seen_at = greatest(last_seen_at, $2),
         embedding = case when template = $3 then embedding else $4 end,
         template = $3
       where id = $1`,
      [known, s.seenAt.toISOString(), s.template, toVector(s.embedding)],
    );
    // Found through a merged id: the new fingerprint answers for the signature from now on.
    await addSignatureKey(db, s.fingerprint, known);
    return known;
  }
  const r = await db.query<{ id: number }>(
    `insert into signatures (fingerprint, cluster_id, template, exception_type, language, top_frames, sample,
                             embedding, occurrences, first_seen_at, last_seen_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)
     on conflict (fingerprint) do update set
       occurrences = signatures.occurrences + 1,
       first_seen_at = least(signatures.first_seen_at, excluded.first_seen_at),
       last_seen_at = greatest(signatures.last_seen_at, excluded.last_seen_at),
       embedding = case when signatures.template = excluded.template then signatures.embedding else excluded.embedding end,
       template = excluded.template
     returning id`,
    [s.fingerprint, s.clusterId, s.template, s.exceptionType, s.language, JSON.stringify(s.topFrames), s.sample,
      toVector(s.embedding), s.seenAt.toISOString()],
  );
  const row = r.rows[0];
  if (!row) throw new Error('signature upsert returned nothing');
  return row.id;
}

/** pgvector's text form, `[0.1,0.2,…]`. */
export function toVector(v: readonly number[]): string {
  return `[${v.map((x) => (Number.isFinite(x) ? Math.fround(x) : 0)).join(',')}]`;
}

export interface OpenIncident {
  id: number;
  job_id: number;
  opened_at: Date;
}

/** The open incident a failure joins: same signature and job, or same signature within the storm window. */
export async function findOpenIncident(
  db: Queryable, signatureId: number, jobId: number, stormSince: Date,
): Promise<OpenIncident | undefined> {
  const r = await db.query<OpenIncident>(
    `select id, job_id, opened_at from incidents
     where signature_id = $1 and status not in ('resolved', 'closed')
       and (job_id = $2 or last_seen_at >= $3)
     order by (job_id = $2) desc, last_seen_at desc limit 1`,
    [signatureId, jobId, stormSince.toISOString()],
  );
  return r.rows[0];
}

export async function insertIncident(
  db: Queryable, i: { signatureId: number; jobId: number; title: string; at: Date },
): Promise<number> {
  const r = await db.query<{ id: number }>(
    `insert into incidents (signature_id, job_id, title, opened_at, last_seen_at) values ($1, $2, $3, $4, $4) returning id`,
    [i.signatureId, i.jobId, i.title, i.at.toISOString()],
  );
  const row = r.rows[0];
  if (!row) throw new Error('incident insert returned nothing');
  return row.id;
}

/** Records a failed attempt in an incident; false when it was recorded already. */
export async function attachRun(
  db: Queryable, a: { incidentId: number; runId: number; attempt: number; jobId: number; failedAt: Date },
): Promise<boolean> {
  const r = await db.query(
    `insert into incident_runs (run_id, attempt, incident_id, job_id, failed_at) values ($1, $2, $3, $4, $5)
     on conflict (run_id, attempt) do nothing`,
    [a.runId, a.attempt, a.incidentId, a.jobId, a.failedAt.toISOString()],
  );
  if ((r.rowCount ?? 0) === 0) return false;
  await db.query(
    `update incidents i set occurrences = i.occurrences + 1,
       last_seen_at = greatest(i.last_seen_at, $2),
       jobs_affected = (select count(distinct job_id) from incident_runs where incident_id = i.id),
       kind = case when (select count(distinct job_id) from incident_runs where incident_id = i.id) > 1
                   then 'storm' else i.kind end
     where i.id = $1`,
    [a.incidentId, a.failedAt.toISOString()],
  );
  return true;
}

/**
 * The open incidents touching `jobId` whose every affected job has completed a run after it failed:
 * the failure is over. Returns how the last of them recovered.
 */
export async function recoveredIncidents(db: Queryable, jobId: number): Promise<{
  incident_id: number; opened_at: Date; run_id: number; same_run: boolean; recovered_at: Date; first_failed_at: Date;
}[]> {
  const r = await db.query(
    `select i.id as incident_id, i.opened_at, rec.run_id, rec.same_run, rec.recovered_at, first.failed_at as first_failed_at
     from incidents i
     cross join lateral (select min(failed_at) as failed_at from incident_runs where incident_id = i.id) first
     cross join lateral (
       -- Each job recovers with its first completed run after its last failure; the incident
       -- is over when the last of its jobs has recovered.
       select per_job.run_id, per_job.same_run, per_job.recovered_at from (
         select distinct on (last.job_id) r.id as run_id, r.ended_at as recovered_at,
                exists (select 1 from incident_runs x where x.incident_id = i.id and x.run_id = r.id) as same_run
         from (select job_id, max(failed_at) as failed_at from incident_runs where incident_id = i.id group by job_id) last
         join runs r on r.job_id = last.job_id and r.state = 'completed' and r.ended_at >= last.failed_at
         order by last.job_id, r.ended_at asc) per_job
       order by per_job.recovered_at desc limit 1) rec
     where i.status = 'open'
       and exists (select 1 from incident_runs ir where ir.incident_id = i.id and ir.job_id = $1)
       and not exists (
         select 1 from incident_runs ir where ir.incident_id = i.id and not exists (
           select 1 from runs r where r.job_id = ir.job_id and r.state = 'completed' and r.ended_at >= ir.failed_at))`,
    [jobId],
  );
  return r.rows;
}

export interface ResolutionInsert {
  incidentId: number;
  action: string;
  detail: string | null;
  actor: string;
  outcome: 'success' | 'failure' | 'noise';
  timeToRecoverMs: number | null;
  resolvedAt: Date;
  runId: number | null;
}

/** Ends an incident with its resolution; false when it had ended already. */
export async function resolveIncident(db: Queryable, r: ResolutionInsert): Promise<boolean> {
  const status = r.outcome === 'noise' ? 'closed' : 'resolved';
  const updated = await db.query(
    `update incidents set status = $2, closed_at = $3 where id = $1 and status not in ('resolved', 'closed')`,
    [r.incidentId, status, r.resolvedAt.toISOString()],
  );
  if ((updated.rowCount ?? 0) === 0) return false;
  await db.query(
    `insert into resolutions (incident_id, action, detail, actor, outcome, time_to_recover_ms, resolved_at, run_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [r.incidentId, r.action, r.detail, r.actor, r.outcome, r.timeToRecoverMs, r.resolvedAt.toISOString(), r.runId],
  );
  return true;
}

/**
 * Of these jobs (which just completed a run), those with something to settle: an open incident,
 * or an execution of Medic's awaiting verification.
 */
export async function jobsWithOpenIncidents(db: Queryable, jobIds: number[]): Promise<Set<number>> {
  if (jobIds.length === 0) return new Set();
  const r = await db.query<{ job_id: number }>(
    `select distinct ir.job_id from incident_runs ir join incidents i on i.id = ir.incident_id
     where i.status = 'open' and ir.job_id = any($1::bigint[])
     union
     select job_id from executions where verification = 'awaiting' and job_id = any($1::bigint[])`, [jobIds]);
  return new Set(r.rows.map((x) => x.job_id));
}
