import type { Queryable } from '../db/pool.ts';
import type { FailureMark, SpendMark } from './guard-memory.ts';

/** What the store holds for the guardrails, as rows written after some moment. */
export interface GuardChanges {
  failures: FailureMark[];
  spends: SpendMark[];
}

/**
 * The guardrails' rows written after `writtenAfter` (all of them when null) about times after
 * `since`: failed attempts the ingest attached to incidents, and decisions other replicas took
 * (this replica's own are already in memory). Decisions that were not degraded count as failures
 * of their fingerprint; those that spent a budget, as spends.
 */
/** The store's clock: where the next read of changes starts (less an overlap for transactions still open). */
export async function storeNow(db: Queryable): Promise<Date> {
  const r = await db.query<{ t: Date }>('select now() as t');
  return new Date(r.rows[0]?.t ?? Date.now());
}

export async function guardChanges(db: Queryable, o: { writtenAfter: Date | null; since: Date; replica: string }): Promise<GuardChanges> {
  const r = await db.query<{ src: 'f' | 'd'; id: string | null; sig: string | null; fp: string | null; k: string; at: Date; policy_id: string | null; budget_key: string | null }>({
    name: 'medic-guard-changes',
    text: `select 'f' as src, null as id, i.signature_id::text as sig, null as fp,
                  jn.namespace || '/' || jn.name || '|' || r.run_key || '|' || ir.attempt as k, ir.failed_at as at,
                  null as policy_id, null as budget_key
           from incident_runs ir join incidents i on i.id = ir.incident_id join runs r on r.id = ir.run_id join jobs jn on jn.id = ir.job_id
           where ($1::timestamptz is null or ir.recorded_at > $1) and ir.failed_at >= $2
           union all
           select 'd', d.id::text, d.signature_id::text, d.fingerprint,
                  d.job || '|' || coalesce(d.run_key, d.id::text) || '|' || coalesce(d.attempt, 1), d.created_at,
                  case when d.enforced and d.budget_key is not null then d.policy_id end, d.budget_key
           from decisions d
           where ($1::timestamptz is null or d.logged_at > $1) and d.created_at >= $2 and d.replica is distinct from $3
             and not d.degraded and (d.fingerprint is not null or (d.enforced and d.budget_key is not null))`,
    values: [o.writtenAfter?.toISOString() ?? null, o.since.toISOString(), o.replica],
  });
  const failures: FailureMark[] = [];
  const spends: SpendMark[] = [];
  for (const row of r.rows) {
    const at = new Date(row.at).getTime();
    if (row.src === 'f' || row.fp !== null) failures.push({ signatureId: row.src === 'f' && row.sig !== null ? Number(row.sig) : null, fingerprint: row.fp, key: row.k, at });
    if (row.src === 'd' && row.policy_id !== null && row.budget_key !== null && row.id !== null) spends.push({ decisionId: row.id, policyId: row.policy_id, key: row.budget_key, at });
  }
  return { failures, spends };
}
