import type { Queryable } from '../db/pool.ts';
import { toVector } from './sql.ts';

export interface IncidentView {
  id: number;
  title: string;
  status: string;
  kind: string;
  occurrences: number;
  jobs_affected: number;
  opened_at: Date;
  last_seen_at: Date;
  closed_at: Date | null;
  job: { id: number; namespace: string; name: string };
  signature: { id: number; template: string; exception_type: string | null; occurrences: number };
  resolution: { action: string; detail: string | null; actor: string; outcome: string; time_to_recover_ms: number | null; resolved_at: Date } | null;
}

const INCIDENT_COLUMNS = `
  i.id, i.title, i.status, i.kind, i.occurrences, i.jobs_affected, i.opened_at, i.last_seen_at, i.closed_at,
  json_build_object('id', j.id, 'namespace', j.namespace, 'name', j.name) as job,
  json_build_object('id', s.id, 'template', s.template, 'exception_type', s.exception_type, 'occurrences', s.occurrences) as signature,
  (select json_build_object('action', res.action, 'detail', res.detail, 'actor', res.actor, 'outcome', res.outcome,
                            'time_to_recover_ms', res.time_to_recover_ms, 'resolved_at', res.resolved_at)
   from resolutions res where res.incident_id = i.id) as resolution`;

export interface IncidentFilter {
  status?: string;
  /** Open (any status but resolved and closed) or ended (resolved or closed); both when absent. */
  open?: boolean;
  jobId?: number;
  /** The incident's job by `namespace/name`: exactly, or any job whose `namespace/name` contains the text. */
  job?: { text: string; exact: boolean };
  signatureId?: number;
  since?: Date;
  before?: number;
  limit: number;
}

export async function listIncidents(db: Queryable, f: IncidentFilter): Promise<IncidentView[]> {
  const r = await db.query<IncidentView>(
    `select ${INCIDENT_COLUMNS} from incidents i join jobs j on j.id = i.job_id join signatures s on s.id = i.signature_id
     where ($1::text is null or i.status = $1) and ($2::bigint is null or i.job_id = $2)
       and ($3::bigint is null or i.signature_id = $3) and ($4::timestamptz is null or i.last_seen_at >= $4)
       and ($5::bigint is null or i.id < $5)
       and ($7::boolean is null or (i.status in ('resolved', 'closed')) <> $7)
       and ($8::text is null or i.job_id in (
             select jj.id from jobs jj
              where case when $9::boolean then jj.namespace || '/' || jj.name = $8 else jj.namespace || '/' || jj.name ilike $8 end))
     order by i.id desc limit $6`,
    [f.status ?? null, f.jobId ?? null, f.signatureId ?? null, f.since?.toISOString() ?? null, f.before ?? null, f.limit,
      f.open ?? null, f.job ? (f.job.exact ? f.job.text : `%${likeEscaped(f.job.text)}%`) : null, f.job?.exact ?? false],
  );
  return r.rows;
}

/** Text matched literally by `like`: its wildcards and the escape character escaped. */
function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export async function getIncident(db: Queryable, id: number): Promise<IncidentView | undefined> {
  const r = await db.query<IncidentView>(
    `select ${INCIDENT_COLUMNS} from incidents i join jobs j on j.id = i.job_id join signatures s on s.id = i.signature_id
     where i.id = $1`, [id]);
  return r.rows[0];
}

export async function incidentRuns(db: Queryable, id: number): Promise<{ run_id: number; attempt: number; job: string; failed_at: Date; error_message: string | null }[]> {
  const r = await db.query(
    `select ir.run_id, ir.attempt, j.namespace || '/' || j.name as job, ir.failed_at, r.error_message
     from incident_runs ir join runs r on r.id = ir.run_id join jobs j on j.id = ir.job_id
     where ir.incident_id = $1 order by ir.failed_at desc limit 50`, [id]);
  return r.rows;
}

export interface SimilarSignature {
  id: number;
  template: string;
  exception_type: string | null;
  similarity: number;
  occurrences: number;
}

/** The query of `similarSignatures`: $1 the query vector, $2 how many. */
export const SIMILAR_SIGNATURES_SQL = `select id, template, exception_type, occurrences, 1 - (embedding <=> $1::halfvec) as similarity
  from signatures where embedding is not null
  order by embedding <=> $1::halfvec limit $2`;

/**
 * Nearest signatures by cosine similarity through the HNSW index (`signatures/search-index.ts`;
 * ef_search is set per connection in `db/pool.ts`). A named statement: each connection parses and
 * plans it once, and its generic plan keeps the index scan. `bench/signatures/search-limits.ts`
 * measures this query at 100k and 1M signatures.
 */
export async function similarSignatures(
  db: Queryable, embedding: readonly number[], k: number, minSimilarity: number,
): Promise<SimilarSignature[]> {
  const r = await db.query<SimilarSignature>({ name: 'medic-similar-signatures', text: SIMILAR_SIGNATURES_SQL, values: [toVector(embedding), k] });
  return r.rows.filter((s) => s.similarity >= minSimilarity);
}

export interface ActionStats {
  signature_id: number;
  action: string;
  detail: string | null;
  successes: number;
  attempts: number;
  median_ttr_ms: number | null;
}

/**
 * How incidents of these signatures were resolved: per action, successes out of tries and median
 * recovery. Executions of Medic's that did not work count as tries too (`action_outcomes`): a
 * success ends the incident and is in `resolutions` already, a failure leaves it open.
 */
export async function resolutionStats(db: Queryable, signatureIds: number[], excludeIncident: number | null = null): Promise<ActionStats[]> {
  if (signatureIds.length === 0) return [];
  const r = await db.query<ActionStats>(
    `select x.signature_id, x.action, min(x.detail) as detail,
            count(*) filter (where x.outcome = 'success')::int as successes,
            count(*) filter (where x.outcome <> 'noise')::int as attempts,
            percentile_cont(0.5) within group (order by x.time_to_recover_ms)
              filter (where x.outcome = 'success') as median_ttr_ms
     from (
       select i.signature_id, res.action, res.detail, res.outcome, res.time_to_recover_ms
         from resolutions res join incidents i on i.id = res.incident_id
        where i.signature_id = any($1::bigint[]) and ($2::bigint is null or i.id <> $2)
       union all
       select o.signature_id, o.action, null, o.outcome, null
         from action_outcomes o
        where o.outcome = 'failure' and o.signature_id = any($1::bigint[]) and ($2::bigint is null or o.incident_id is distinct from $2)
     ) x
     group by x.signature_id, x.action`,
    [signatureIds, excludeIncident],
  );
  return r.rows.map((x) => ({ ...x, median_ttr_ms: x.median_ttr_ms === null ? null : Math.round(Number(x.median_ttr_ms)) }));
}

/** Days in the 30 before `at` on which the signature failed a run (for the outlier label). */
export async function daysSeen(db: Queryable, signatureId: number, at: Date, excludeIncident: number | null): Promise<number> {
  const r = await db.query<{ days: number }>(
    `select count(distinct date_trunc('day', ir.failed_at))::int as days
     from incident_runs ir join incidents i on i.id = ir.incident_id
     where i.signature_id = $1 and ir.failed_at >= $2::timestamptz - interval '30 days' and ir.failed_at < $2::timestamptz
       and ($3::bigint is null or i.id <> $3)`,
    [signatureId, at.toISOString(), excludeIncident],
  );
  return r.rows[0]?.days ?? 0;
}

export async function signatureEmbedding(db: Queryable, signatureId: number): Promise<number[] | undefined> {
  const r = await db.query<{ e: string | null }>('select embedding::text as e from signatures where id = $1', [signatureId]);
  const text = r.rows[0]?.e;
  return text ? (JSON.parse(text) as number[]) : undefined;
}

export async function listSignatures(db: Queryable, limit: number): Promise<{ id: number; template: string; exception_type: string | null; occurrences: number; first_seen_at: Date; last_seen_at: Date; incidents: number }[]> {
  const r = await db.query(
    `select s.id, s.template, s.exception_type, s.occurrences, s.first_seen_at, s.last_seen_at,
            (select count(*) from incidents i where i.signature_id = s.id)::int as incidents
     from signatures s order by s.last_seen_at desc limit $1`, [limit]);
  return r.rows;
}
