import type { Queryable } from '../db/pool.ts';
import type { SimilarIncident } from '../incidents/evidence.ts';
import type { ServiceContext } from './context.ts';

/** The stored signature with this fingerprint, if Medic has seen the failure before. */
export async function signatureIdByFingerprint(db: Queryable, fingerprint: string): Promise<number | null> {
  const r = await db.query<{ id: number }>('select id from signatures where fingerprint = $1', [fingerprint]);
  return r.rows[0]?.id ?? null;
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
     join lateral (select * from incidents i where i.signature_id = n.id order by i.id desc limit $3) i on true
     order by n.similarity desc, i.id desc limit $3`,
    [near.map((s) => s.id), near.map((s) => s.similarity), limit],
  );
  return r.rows.map((x) => ({ ...x, similarity: Math.round(x.similarity * 1000) / 1000 }));
}

/**
 * When this signature failed since `since`, newest first: the failed attempts Medic ingested and
 * the failures it was asked about, each run attempt once.
 */
export async function recentFailures(db: Queryable, signatureId: number | null, fingerprint: string, since: Date): Promise<number[]> {
  const r = await db.query<{ at: Date }>(
    `select max(at) as at from (
       select r.job_id::text || '|' || r.run_key || '|' || ir.attempt as k, ir.failed_at as at
       from incident_runs ir join incidents i on i.id = ir.incident_id join runs r on r.id = ir.run_id
       where $1::bigint is not null and i.signature_id = $1 and ir.failed_at >= $3
       union all
       select coalesce(j.id::text, d.job) || '|' || coalesce(d.run_key, d.id::text) || '|' || coalesce(d.attempt, 1), d.created_at
       from decisions d left join jobs j on j.namespace || '/' || j.name = d.job
       where d.fingerprint = $2 and d.created_at >= $3 and not d.degraded
     ) f group by k order by at desc limit 1000`,
    [signatureId, fingerprint, since.toISOString()],
  );
  return r.rows.map((x) => x.at.getTime());
}

/** Decisions already taken per budgeted policy, each under its own key and window. */
export async function budgetCounts(db: Queryable, specs: { policyId: string; key: string; windowMinutes: number }[], now: Date): Promise<Record<string, number>> {
  if (specs.length === 0) return {};
  const r = await db.query<{ policy_id: string; used: number }>(
    `select b.policy_id, (select count(*)::int from decisions d
        where d.policy_id = b.policy_id and d.budget_key = b.key and d.enforced
          and d.created_at > $4::timestamptz - make_interval(mins => b.minutes)) as used
     from unnest($1::text[], $2::text[], $3::int[]) as b(policy_id, key, minutes)`,
    [specs.map((s) => s.policyId), specs.map((s) => s.key), specs.map((s) => s.windowMinutes), now.toISOString()],
  );
  return Object.fromEntries(r.rows.map((x) => [x.policy_id, x.used]));
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
       select a.duration_ms as d from jobs j join runs r on r.job_id = j.id join run_attempts a on a.run_id = r.id
       where j.namespace = split_part($1, '/', 1) and j.name = substr($1, length(split_part($1, '/', 1)) + 2)
         and a.state = 'completed' and a.duration_ms is not null
       order by r.id desc limit 50) x`,
    [job],
  );
  const m = r.rows[0]?.median;
  return m === null || m === undefined ? null : Math.round(Number(m));
}
