import type { Queryable } from '../db/pool.ts';
import type { ServiceForecast } from './service-forecast.ts';
import { forecastDefinition } from './service-forecast.ts';
import { listServices, saveForecast } from './sql.ts';

/** What one sweep did for a service. */
export type SweepOutcome =
  | { kind: 'raised' | 'updated' | 'cleared'; service: string; instance: string }
  | { kind: 'quiet'; service: string }
  | { kind: 'skipped'; service: string; reason: string };

/**
 * Raises an SLA risk once per service instance when its forecast is at risk, updates it on later
 * sweeps, and clears it when the forecast recovers.
 */
export async function recordRisk(db: Queryable, f: ServiceForecast): Promise<SweepOutcome> {
  if (!f.atRisk) {
    const cleared = await db.query(
      `update sla_risks set status = 'cleared', updated_at = now(), p_breach = $3, summary = $4
       where service = $1 and instance_key = $2 and status = 'open'`,
      [f.service, f.instance.key, f.forecast.pBreach, f.summary]);
    return (cleared.rowCount ?? 0) > 0 ? { kind: 'cleared', service: f.service, instance: f.instance.key } : { kind: 'quiet', service: f.service };
  }
  const r = await db.query<{ inserted: boolean }>(
    `insert into sla_risks (service, instance_key, p_breach, eta_p50, eta_p90, deadline, summary, forecast)
     values ($1, $2, $3, $4, $5, $6, $7, $8)
     on conflict (service, instance_key) do update set status = 'open', p_breach = excluded.p_breach,
       eta_p50 = excluded.eta_p50, eta_p90 = excluded.eta_p90, summary = excluded.summary,
       forecast = excluded.forecast, updated_at = now()
     returning (xmax = 0) as inserted`,
    [f.service, f.instance.key, f.forecast.pBreach, f.forecast.eta.p50.toISOString(), f.forecast.eta.p90.toISOString(),
      f.instance.deadline.toISOString(), f.summary, JSON.stringify(f)]);
  return { kind: r.rows[0]?.inserted ? 'raised' : 'updated', service: f.service, instance: f.instance.key };
}

/** Samples of each forecast in a sweep: a steady P(breach) for less than half of an on-demand forecast's 10 000. */
export const SWEEP_SAMPLES = 4_000;

/** Forecasts every service as of `at` and records its risk. */
export async function sweep(db: Queryable, at: Date, samples = SWEEP_SAMPLES): Promise<SweepOutcome[]> {
  const out: SweepOutcome[] = [];
  const all = new Map((await listServices(db)).map((s) => [s.name, s.definition]));
  for (const def of all.values()) {
    const f = await forecastDefinition(db, def, all, at, { samples });
    // Keeps it as the latest, and as a point of the instance's forecast history.
    if (f.kind === 'forecast') await saveForecast(db, f.value);
    out.push(f.kind === 'forecast' ? await recordRisk(db, f.value) : { kind: 'skipped', service: def.name, reason: f.kind === 'no-instance' ? f.reason : 'unknown service' });
  }
  return out;
}

export async function listRisks(db: Queryable, status: 'open' | 'cleared' | undefined): Promise<unknown[]> {
  return (await db.query(
    `select id, service, instance_key, status, p_breach, eta_p50, eta_p90, deadline, summary, raised_at, updated_at
     from sla_risks where ($1::text is null or status = $1) order by updated_at desc limit 200`, [status ?? null])).rows;
}
