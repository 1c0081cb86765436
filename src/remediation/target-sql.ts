import type { Queryable } from '../db/pool.ts';
import type { TargetableRun } from './target.ts';

interface Row {
  source: string;
  orchestrator: string;
  namespace: string;
  name: string;
  run_key: string;
  external_id: string;
  facets: Record<string, unknown> | null;
  parent_namespace: string | null;
  parent_name: string | null;
  parent_run_key: string | null;
}

/** The run `runId` with what `resolveTarget` needs to address it at its source; undefined when absent. */
export async function selectTargetableRun(db: Queryable, runId: number): Promise<TargetableRun | undefined> {
  const result = await db.query<Row>(
    `select j.source, j.orchestrator, j.namespace, j.name, r.run_key, r.external_id, r.facets,
            r.parent_namespace, r.parent_name, r.parent_run_key
       from runs r join jobs j on j.id = r.job_id
      where r.id = $1`,
    [runId],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    source: row.source,
    orchestrator: row.orchestrator,
    namespace: row.namespace,
    name: row.name,
    runKey: row.run_key,
    externalId: row.external_id,
    facets: row.facets ?? {},
    parent: row.parent_namespace !== null && row.parent_name !== null && row.parent_run_key !== null
      ? { namespace: row.parent_namespace, name: row.parent_name, runKey: row.parent_run_key }
      : null,
  };
}
