import type { Queryable } from '../../db/pool.ts';
import type { Action } from '../../policies/action.ts';

/** An open incident as the "now" page lists it. */
export interface OpenIncident {
  id: number;
  title: string;
  kind: 'single' | 'storm';
  occurrences: number;
  jobs_affected: number;
  opened_at: Date;
  last_seen_at: Date;
  job: string;
  template: string;
}

/** Open incidents, most recently seen first, and how many are open in all. */
export async function openIncidents(db: Queryable, limit: number): Promise<{ rows: OpenIncident[]; total: number }> {
  const [rows, total] = await Promise.all([
    db.query<OpenIncident>(
      `select i.id, i.title, i.kind, i.occurrences, i.jobs_affected, i.opened_at, i.last_seen_at,
              j.namespace || '/' || j.name as job, s.template
       from incidents i join jobs j on j.id = i.job_id join signatures s on s.id = i.signature_id
       where i.status not in ('resolved', 'closed') order by i.last_seen_at desc limit $1`, [limit]),
    db.query<{ n: number }>(`select count(*) as n from incidents where status not in ('resolved', 'closed')`),
  ]);
  return { rows: rows.rows, total: total.rows[0]?.n ?? 0 };
}

/** A service instance at risk of missing its deadline. */
export interface ServiceAtRisk {
  service: string;
  instance_key: string;
  p_breach: number;
  eta_p50: Date;
  eta_p90: Date;
  deadline: Date;
  summary: string;
  updated_at: Date;
}

export async function servicesAtRisk(db: Queryable, limit: number): Promise<ServiceAtRisk[]> {
  return (await db.query<ServiceAtRisk>(
    `select service, instance_key, p_breach, eta_p50, eta_p90, deadline, summary, updated_at
     from sla_risks where status = 'open' order by p_breach desc, deadline limit $1`, [limit])).rows;
}

/** An action being carried out, or carried out and waiting for its effect to show. */
export interface ExecutionInFlight {
  id: number;
  approval_id: number | null;
  incident_id: number | null;
  action: Action;
  state: string;
  verification: string | null;
  actor: string;
  source: string;
  job: string | null;
  not_before: Date;
  created_at: Date;
  verify_deadline: Date | null;
}

export async function executionsInFlight(db: Queryable, limit: number): Promise<ExecutionInFlight[]> {
  return (await db.query<ExecutionInFlight>(
    `select e.id, e.approval_id, e.incident_id, e.action, e.state, e.verification, e.actor, e.source, e.not_before, e.created_at, e.verify_deadline,
            (select j.namespace || '/' || j.name from jobs j where j.id = e.job_id) as job
     from executions e where e.state in ('pending', 'executing') or e.verification = 'awaiting'
     order by e.created_at desc limit $1`, [limit])).rows;
}
