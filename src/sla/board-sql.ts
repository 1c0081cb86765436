/** The reads behind the SLA board and the service page: latest forecasts, forecast history, past instances. */
import type { Queryable } from '../db/pool.ts';
import { instanceRecords, readDetail, type ForecastDetail, type InstanceRecord } from './board.ts';
import { runsBefore } from './instance-sql.ts';
import { resolveServiceJobs } from './lineage.ts';
import type { ServiceDefinition } from './schema.ts';

/** The latest forecast the sweep kept for a service (`service_forecasts`). */
export interface LatestForecast {
  instanceKey: string;
  /** When the forecast was made. */
  at: Date;
  deadline: Date;
  pBreach: number;
  /** Deadline minus the p90 ETA, in ms; negative when the p90 is late. */
  slackMs: number;
  etaP50: Date;
  /** Fan, critical path, time to act…; null for a forecast saved before migration 013. */
  detail: ForecastDetail | null;
}

/** A service on the SLA board, with its latest forecast; `latest` is null when it was never forecast. */
export interface BoardRow {
  service: string;
  definition: ServiceDefinition;
  latest: LatestForecast | null;
}

/**
 * Every service with its latest forecast, for the SLA board: the likeliest breach first, then the
 * nearest deadline; services never forecast last, by name.
 */
export async function boardRows(db: Queryable): Promise<BoardRow[]> {
  const r = await db.query<{
    service: string; definition: ServiceDefinition; instance_key: string | null; at: Date | null; deadline: Date | null;
    p_breach: number | null; slack_ms: number | null; eta_p50: Date | null; detail: unknown;
  }>(
    `select s.name as service, s.definition, f.instance_key, f.at, f.deadline, f.p_breach, f.slack_ms, f.eta_p50, f.detail
     from services s left join service_forecasts f on f.service = s.name
     order by f.p_breach desc nulls last, f.deadline nulls last, s.name`,
  );
  return r.rows.map((row) => ({
    service: row.service,
    definition: row.definition,
    latest: row.instance_key === null || row.at === null || row.deadline === null || row.p_breach === null || row.slack_ms === null || row.eta_p50 === null
      ? null
      : { instanceKey: row.instance_key, at: row.at, deadline: row.deadline, pBreach: row.p_breach, slackMs: Number(row.slack_ms), etaP50: row.eta_p50, detail: readDetail(row.detail) },
  }));
}

/** One forecast of a service instance, as the sweep made it: a point of the board's fan chart. */
export interface ForecastPoint {
  /** When the forecast was made. */
  at: Date;
  deadline: Date;
  pBreach: number;
  /** Finish-time quantiles of that forecast. */
  p10: Date;
  p50: Date;
  p90: Date;
}

/** The forecast history of one instance of a service, oldest first (empty when it has none). */
export async function forecastPoints(db: Queryable, service: string, instanceKey: string): Promise<ForecastPoint[]> {
  const r = await db.query<{ at: Date; deadline: Date; p_breach: number; p10: Date; p50: Date; p90: Date }>(
    `select at, deadline, p_breach, p10, p50, p90 from forecast_points
     where service = $1 and instance_key = $2 order by at`,
    [service, instanceKey],
  );
  return r.rows.map((row) => ({ at: row.at, deadline: row.deadline, pBreach: row.p_breach, p10: row.p10, p50: row.p50, p90: row.p90 }));
}

/**
 * The service's instances that started in the `days` before `at`, oldest first, with when each
 * finished and how late, as they stood at `at` (the current instance shows as `open`).
 * @param days - how far back to look. @defaultValue 30
 */
export async function instanceHistory(db: Queryable, def: ServiceDefinition, at: Date, days = 30): Promise<InstanceRecord[]> {
  const { jobs } = await resolveServiceJobs(db, def);
  if (jobs.length === 0) return [];
  const runs = await runsBefore(db, jobs.map((j) => j.job), at, days);
  return instanceRecords(jobs, def.deadline, runs, at);
}
