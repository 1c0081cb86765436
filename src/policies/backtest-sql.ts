import type { Queryable } from '../db/pool.ts';

/** One failed attempt as it was stored: its run, job, error, signature, and how its incident ended. */
export interface StoredFailure {
  run_id: number;
  attempt: number;
  failed_at: Date;
  incident_id: number;
  namespace: string;
  name: string;
  source: string;
  orchestrator: string;
  run_key: string;
  error_message: string | null;
  error_detail: string | null;
  signature_id: number;
  fingerprint: string;
  template: string;
  exception_type: string | null;
  /** pgvector's text form, `[0.1,0.2,…]`. */
  embedding: string | null;
  signature_first_seen_at: Date;
  /** The run completed after this attempt failed. */
  run_recovered: boolean;
  resolution: { action: string; actor: string; outcome: string; resolved_at: string } | null;
}

/** Failed attempts since `since`, in the order they failed. */
export async function failuresSince(db: Queryable, since: Date): Promise<StoredFailure[]> {
  const r = await db.query<StoredFailure>(
    `select ir.run_id, ir.attempt, ir.failed_at, ir.incident_id, j.namespace, j.name, j.source, j.orchestrator, r.run_key,
            coalesce(a.error_message, case when r.error_attempt = ir.attempt then r.error_message end) as error_message,
            coalesce(a.error_detail, case when r.error_attempt = ir.attempt then r.error_detail end) as error_detail,
            s.id as signature_id, s.fingerprint, s.template, s.exception_type, s.embedding::text as embedding,
            s.first_seen_at as signature_first_seen_at,
            (r.state = 'completed' and r.ended_at > ir.failed_at) as run_recovered,
            (select json_build_object('action', res.action, 'actor', res.actor, 'outcome', res.outcome, 'resolved_at', res.resolved_at)
             from resolutions res where res.incident_id = ir.incident_id) as resolution
     from incident_runs ir
     join incidents i on i.id = ir.incident_id
     join signatures s on s.id = i.signature_id
     join runs r on r.id = ir.run_id
     join jobs j on j.id = ir.job_id
     left join run_attempts a on a.run_id = ir.run_id and a.attempt = ir.attempt
     where ir.failed_at >= $1
     order by ir.failed_at, ir.run_id, ir.attempt`,
    [since.toISOString()],
  );
  return r.rows.map((x) => ({ ...x, run_id: Number(x.run_id), incident_id: Number(x.incident_id), signature_id: Number(x.signature_id) }));
}

/**
 * The signatures the decision endpoint would take for the same failure as each of these: among
 * the `k` nearest, those at least `minSimilarity` close (itself included).
 */
export async function nearSignatures(db: Queryable, ids: number[], k: number, minSimilarity: number): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>(ids.map((id) => [id, [id]]));
  if (ids.length === 0) return out;
  const r = await db.query<{ id: number; near: number[] }>(
    `select a.id, array_agg(n.id order by n.d) as near
     from signatures a
     cross join lateral (select b.id, b.embedding <=> a.embedding as d from signatures b where b.embedding is not null
                         order by b.embedding <=> a.embedding limit $2) n
     where a.id = any($1::bigint[]) and a.embedding is not null and 1 - n.d >= $3
     group by a.id`,
    [ids, k, minSimilarity],
  );
  for (const row of r.rows) out.set(Number(row.id), [...new Set([Number(row.id), ...row.near.map(Number)])]);
  return out;
}

/** A resolution of an incident of one of these signatures, for what fixed them before a time. */
export interface PastResolution {
  signature_id: number;
  action: string;
  outcome: string;
  time_to_recover_ms: number | null;
  resolved_at: Date;
}

export async function resolutionsOf(db: Queryable, signatureIds: number[]): Promise<PastResolution[]> {
  if (signatureIds.length === 0) return [];
  const r = await db.query<PastResolution>(
    `select i.signature_id, res.action, res.outcome, res.time_to_recover_ms, res.resolved_at
     from resolutions res join incidents i on i.id = res.incident_id
     where i.signature_id = any($1::bigint[])
     order by res.resolved_at`,
    [signatureIds],
  );
  return r.rows.map((x) => ({ ...x, signature_id: Number(x.signature_id), time_to_recover_ms: x.time_to_recover_ms === null ? null : Number(x.time_to_recover_ms) }));
}
