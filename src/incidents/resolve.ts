import { appendAudit } from '../approvals/audit.ts';
import type { Via } from '../approvals/schema.ts';
import { withTransaction } from '../db/pool.ts';
import type { Deps } from '../deps.ts';
import { getIncident, type IncidentView } from './read-sql.ts';
import type { ResolveBody } from './schema.ts';
import { resolveIncident } from './sql.ts';

export type PersonResolution =
  | { kind: 'resolved'; incident: IncidentView }
  | { kind: 'not_found' }
  | { kind: 'already'; status: string };

/**
 * A person ends an incident, saying what fixed it (through the API, the console or the CLI): the
 * resolution teaches the success rates, and the audit log says who and through what.
 */
export async function resolveByPerson(
  deps: Pick<Deps, 'pool' | 'clock' | 'notifier'>, id: number, body: ResolveBody, actor: string, via: Via,
): Promise<PersonResolution> {
  const incident = await getIncident(deps.pool, id);
  if (!incident) return { kind: 'not_found' };
  const resolvedAt = body.resolved_at ?? deps.clock();
  const done = await withTransaction(deps.pool, async (tx) => {
    const ok = await resolveIncident(tx, {
      incidentId: incident.id, action: body.action, detail: body.detail ?? null, actor, outcome: body.outcome, runId: null, resolvedAt,
      timeToRecoverMs: body.outcome === 'success' ? Math.max(0, resolvedAt.getTime() - incident.opened_at.getTime()) : null,
    });
    if (ok) {
      await appendAudit(tx, { at: resolvedAt, actor, kind: 'incident.resolved', incidentId: incident.id, detail: { action: body.action, detail: body.detail ?? null, outcome: body.outcome, via } });
    }
    return ok;
  });
  if (!done) return { kind: 'already', status: incident.status };
  await deps.notifier.publish({ kind: 'incident.resolved', incidentId: incident.id });
  const now = await getIncident(deps.pool, incident.id);
  return now ? { kind: 'resolved', incident: now } : { kind: 'not_found' };
}
