import type { Queryable } from '../db/pool.ts';
import type { SimilarIncident } from '../incidents/evidence.ts';
import { signatureIdFor } from '../incidents/sql.ts';
import type { ServiceContext } from './context.ts';

/** The stored signature this failure belongs to, if Medic has seen it before. */
export function signatureIdByFingerprint(db: Queryable, sig: { fingerprint: string; aliasFingerprints: readonly string[] }): Promise<number | null> {
  return signatureIdFor(db, sig.fingerprint, sig.aliasFingerprints);
}

/** Past incidents of the given signatures, most similar signature first, then newest. */
export async function incidentsOf(db: Queryable, near: { id: number; similarity: number }[], limit: number): Promise<SimilarIncident[]> {
  if (near.length === 0) return [];
  const r = await db.query<SimilarIncident>(
    `select i.id as incident_id, i.title, i.status, n.similarity,
            (select json_build_object('action', res.action, 'detail', res.detail, 'actor', res.actor, 'outcome', res.outcome,
                                      'time_to_recover_ms', res.time_to_recover_ms, 'resolved_at', res.resolved_at)
             from resolutions res where res.incident_id = i.id) as resolution
     from unnest($1::bigint[], $2::float8[]) as n(id, similarity)
     join lateral (select * from incidents i where i.signature_id = n.id order by i.opened_at desc limit $3) i on true
     order by n.similarity desc, i.id desc limit $3`,
    [near.map((s) => s.id), near.map((s) => s.similarity), limit],
  );
  return r.rows.map((x) => ({ ...x, similarity: Math.round(x.similarity * 1000) / 1000 }));
}

/** What the guardrails count, read together: recent failures of the signature and each budget's use. */
export interface GuardCounters {
  /** When the signature failed since the window began, newest first, each run attempt once, `cap` at most. */
  recentFailures: number[];
  /** Decisions already taken per budgeted policy, counted up to its budget. */
  budgetUsed: Record<string, number>;
}

/**
 * The guardrails' counters in one round trip. Recent failures are the failed attempts Medic
 * ingested and the failures it was asked about, each run attempt once; every part stops at what
 * a guardrail can need (`cap` failures, a budget's `max`), so a storm costs no more than a quiet day.
 */
export async function guardCounters(
  db: Queryable, failures: { signatureId: number | null; fingerprint: string | null; since: Date; cap: number } | null,
  budgets: { policyId: string; key: string; windowMinutes: number; max: number }[], now: Date,
): Promise<GuardCounters> {
  // Named, so that each connection plans it once: planning this statement costs more than running it.
  const r = await db.query<{ failures: { k: string; at: string }[] | null; budgets: Record<string, number> | null }>({
    name: 'medic-guard-counters',
    text: `select
       (select json_agg(f) from (
          select * from (select jn.namespace || '/' || jn.name || '|' || r.run_key || '|' || ir.attempt as k, ir.failed_at as at
                         from incidents i join incident_runs ir on ir.incident_id = i.id join runs r on r.id = ir.run_id join jobs jn on jn.id = ir.job_id
                         where $1::bigint is not null and i.signature_id = $1 and ir.failed_at >= $3
                         order by ir.failed_at desc limit $4) a
          union all
          select * from (select d.job || '|' || coalesce(d.run_key, d.id::text) || '|' || coalesce(d.attempt, 1), d.created_at
                         from decisions d where $2::text is not null and d.fingerprint = $2 and d.created_at >= $3 and not d.degraded
                         order by d.created_at desc limit $4) b) f) as failures,
       (select json_object_agg(b.policy_id, (select count(*) from (
          select 1 from decisions d where d.policy_id = b.policy_id and d.budget_key = b.key and d.enforced
            and d.created_at > $9::timestamptz - make_interval(mins => b.minutes) limit b.max) x))
        from unnest($5::text[], $6::text[], $7::int[], $8::int[]) as b(policy_id, key, minutes, max)) as budgets`,
    values: [failures?.signatureId ?? null, failures?.fingerprint ?? null, (failures?.since ?? now).toISOString(), failures?.cap ?? 0,
      budgets.map((b) => b.policyId), budgets.map((b) => b.key), budgets.map((b) => b.windowMinutes), budgets.map((b) => b.max), now.toISOString()],
  });
  const row = r.rows[0];
  const latest = new Map<string, number>();
  for (const f of row?.failures ?? []) latest.set(f.k, Math.max(latest.get(f.k) ?? 0, Date.parse(f.at)));
  return {
    recentFailures: [...latest.values()].sort((a, b) => b - a).slice(0, failures?.cap ?? 0),
    budgetUsed: Object.fromEntries(Object.entries(row?.budgets ?? {}).map(([k, v]) => [k, Number(v)])),
  };
}

/** The services whose definition or latest forecast holds the job, with that forecast. */
export async function servicesOfJob(db: Queryable, job: string): Promise<ServiceContext[]> {
  const r = await db.query<{ name: string; title: string | null; criticality: string | null; f: { at: string; instance_key: string; deadline: string; p_breach: number; slack_ms: number; eta_p50: string; jobs: Record<string, string | null>; downstream: { service: string; deadline: string | null; medianLagMs: number | null }[] } | null }>(
    `select s.name, s.definition->>'title' as title, s.definition->>'criticality' as criticality,
            (select row_to_json(f) from service_forecasts f where f.service = s.name) as f
     from services s
     where s.definition->'jobs' @> jsonb_build_array(jsonb_build_object('job', $1::text))
        or exists (select 1 from service_forecasts f where f.service = s.name and f.jobs ? $1)
     order by s.name`,
    [job],
  );
  return r.rows.map((row) => ({
    name: row.name,
    title: row.title,
    criticality: row.criticality ?? 'medium',
    forecast: row.f && {
      at: new Date(row.f.at), instanceKey: row.f.instance_key, deadline: new Date(row.f.deadline), pBreach: row.f.p_breach,
      slackMs: Number(row.f.slack_ms), etaP50: new Date(row.f.eta_p50),
      jobEnd: row.f.jobs[job] ? new Date(row.f.jobs[job] as string) : null,
      downstream: row.f.downstream.map((d) => ({ service: d.service, deadline: d.deadline ? new Date(d.deadline) : null, medianLagMs: d.medianLagMs })),
    },
  }));
}

/** The median of the job's last 50 successful attempts, in ms; null when it has none. */
export async function jobMedianMs(db: Queryable, job: string): Promise<number | null> {
  const r = await db.query<{ median: number | null }>(
    `select percentile_cont(0.5) within group (order by d) as median from (
       -- The job's id first, so that its runs come newest first off runs_job_idx and the limit stops early.
       select a.duration_ms as d from runs r join run_attempts a on a.run_id = r.id
       where r.job_id = (select j.id from jobs j where j.namespace = split_part($1, '/', 1) and j.name = substr($1, length(split_part($1, '/', 1)) + 2))
         and a.state = 'completed' and a.duration_ms is not null
       order by r.id desc limit 50) x`,
    [job],
  );
  const m = r.rows[0]?.median;
  return m === null || m === undefined ? null : Math.round(Number(m));
}
