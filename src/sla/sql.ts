import type { Queryable } from '../db/pool.ts';
import type { ServiceDefinition } from './schema.ts';
import type { ServiceForecast } from './service-forecast-type.ts';

export interface StoredService {
  name: string;
  definition: ServiceDefinition;
  revision: number;
  updated_at: Date;
}

/** Stores a definition; the revision moves only when the definition changed. */
export async function applyService(db: Queryable, s: ServiceDefinition): Promise<{ revision: number; changed: boolean }> {
  const r = await db.query<{ revision: number; changed: boolean }>(
    `insert into services as s (name, definition) values ($1, $2)
     on conflict (name) do update set
       definition = excluded.definition,
       revision = s.revision + case when s.definition = excluded.definition then 0 else 1 end,
       updated_at = case when s.definition = excluded.definition then s.updated_at else now() end
     returning revision, (xmax = 0 or updated_at = now()) as changed`,
    [s.name, JSON.stringify(s)],
  );
  const row = r.rows[0];
  if (!row) throw new Error('service upsert returned nothing');
  return row;
}

export async function listServices(db: Queryable): Promise<StoredService[]> {
  return (await db.query<StoredService>('select name, definition, revision, updated_at from services order by name')).rows;
}

export async function getService(db: Queryable, name: string): Promise<StoredService | undefined> {
  return (await db.query<StoredService>('select name, definition, revision, updated_at from services where name = $1', [name])).rows[0];
}

/** Keeps the latest forecast of a service, for the decision endpoint to read without forecasting. */
export async function saveForecast(db: Queryable, f: ServiceForecast): Promise<void> {
  const jobs = Object.fromEntries(f.jobs.map((j) => [j.job, j.expectedEnd?.toISOString() ?? null]));
  const downstream = f.impact.map((d) => ({ service: d.service, deadline: d.deadline?.toISOString() ?? null, medianLagMs: d.medianLagMs }));
  await db.query(
    `insert into service_forecasts (service, instance_key, at, deadline, p_breach, slack_ms, eta_p50, jobs, downstream, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
     on conflict (service) do update set instance_key = excluded.instance_key, at = excluded.at, deadline = excluded.deadline,
       p_breach = excluded.p_breach, slack_ms = excluded.slack_ms, eta_p50 = excluded.eta_p50, jobs = excluded.jobs,
       downstream = excluded.downstream, updated_at = now()
     where service_forecasts.at <= excluded.at`,
    [f.service, f.instance.key, f.at.toISOString(), f.instance.deadline.toISOString(), f.forecast.pBreach, Math.round(f.forecast.slackMs),
      f.forecast.eta.p50.toISOString(), JSON.stringify(jobs), JSON.stringify(downstream)],
  );
}
