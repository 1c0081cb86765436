import type { Queryable } from '../db/pool.ts';

/**
 * The incident of an analysed failed attempt that Medic has not decided about yet: an analysis
 * job that committed and then failed before Medic decided (a store restart) is redelivered as
 * already analysed, and the loop must still decide. Undefined when Medic decided already.
 */
export async function undecidedAttempt(db: Queryable, runId: number, attempt: number | undefined): Promise<{ incidentId: number; signatureId: number } | undefined> {
  const r = await db.query<{ incident_id: number; signature_id: number }>(
    `select ir.incident_id, i.signature_id
       from runs r join jobs j on j.id = r.job_id
       join incident_runs ir on ir.run_id = r.id and ir.attempt = coalesce($2::int, r.attempts)
       join incidents i on i.id = ir.incident_id
      where r.id = $1
        and not exists (select 1 from decisions d where d.job = j.namespace || '/' || j.name and d.run_key = r.run_key
                          and d.attempt = ir.attempt and d.input->>'requester' = 'medic')`,
    [runId, attempt ?? null],
  );
  const row = r.rows[0];
  return row ? { incidentId: row.incident_id, signatureId: row.signature_id } : undefined;
}
