import type { Queryable } from '../db/pool.ts';
import type { ServiceDefinition } from './schema.ts';
import { detailOf } from './board.ts';
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

/** What saving a forecast did. */
export interface SaveOutcome {
  /** It is the service's latest forecast now; false when a newer one was kept already. */
  latest: boolean;
  /** It is a point of its instance's forecast history now (see `saveForecast` for when it is not). */
  point: boolean;
}

/** How far apart two points of an instance's forecast history are at least. @defaultValue 60 s */
export const POINT_EVERY_S = 60;
/** How long the points of the forecast history are kept. @defaultValue 35 days */
export const POINT_DAYS = 35;

/**
 * Keeps the latest forecast of a service, for the decision endpoint and the SLA board to read
 * without forecasting, and makes it a point of its instance's forecast history unless another
 * point is less than `POINT_EVERY_S` away; a forecast a minute or more older than the latest (a
 * replay) can still become a point. Adding a point drops the service's points older than
 * `POINT_DAYS` before it.
 */
export async function saveForecast(db: Queryable, f: ServiceForecast): Promise<SaveOutcome> {
  const jobs = Object.fromEntries(f.jobs.map((j) => [j.job, j.expectedEnd?.toISOString() ?? null]));
  const downstream = f.impact.map((d) => ({ service: d.service, deadline: d.deadline?.toISOString() ?? null, medianLagMs: d.medianLagMs }));
  const p10 = f.forecast.fan.find((x) => x.q === 0.1)?.at ?? f.forecast.eta.p50;
  const r = await db.query<{ latest: boolean; point: boolean }>({
    text: SAVE_FORECAST,
    values: [f.service, f.instance.key, f.at.toISOString(), f.instance.deadline.toISOString(), f.forecast.pBreach, Math.round(f.forecast.slackMs),
      f.forecast.eta.p50.toISOString(), JSON.stringify(jobs), JSON.stringify(downstream), JSON.stringify(detailOf(f)),
      p10.toISOString(), f.forecast.eta.p90.toISOString(), POINT_EVERY_S, POINT_DAYS],
  });
  return { latest: r.rows[0]?.latest ?? false, point: r.rows[0]?.point ?? false };
}

// One statement. The upsert locks the service's row, so replicas sweeping at once take turns on
// `point_at` and the second sees the first's point. A replayed forecast (`past`) is decided on the
// statement's snapshot instead; being a minute older than the latest, no sweep races it.
const SAVE_FORECAST = `
  with latest as (
    insert into service_forecasts as f (service, instance_key, at, deadline, p_breach, slack_ms, eta_p50, jobs, downstream, detail, point_at, updated_at)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $3, now())
    on conflict (service) do update set instance_key = excluded.instance_key, at = excluded.at, deadline = excluded.deadline,
      p_breach = excluded.p_breach, slack_ms = excluded.slack_ms, eta_p50 = excluded.eta_p50, jobs = excluded.jobs,
      downstream = excluded.downstream, detail = excluded.detail, updated_at = now(),
      point_at = case when f.point_at is null or f.instance_key <> excluded.instance_key
                        or excluded.at >= f.point_at + make_interval(secs => $13) then excluded.at else f.point_at end
    where f.at <= excluded.at
    returning f.point_at = f.at as due
  ), past as (
    select 1 from service_forecasts f
    where f.service = $1 and f.at >= $3::timestamptz + make_interval(secs => $13) and not exists (select 1 from latest)
      and not exists (select 1 from forecast_points p where p.service = $1 and p.instance_key = $2
        and p.at > $3::timestamptz - make_interval(secs => $13) and p.at < $3::timestamptz + make_interval(secs => $13))
  ), point as (
    insert into forecast_points (service, instance_key, at, deadline, p_breach, p10, p50, p90)
    select $1::text, $2::text, $3::timestamptz, $4::timestamptz, $5::double precision, $11::timestamptz, $7::timestamptz, $12::timestamptz
    where exists (select 1 from latest where due) or exists (select 1 from past)
    on conflict do nothing
    returning 1
  ), pruned as (
    delete from forecast_points
    where service = $1 and at < $3::timestamptz - make_interval(days => $14) and exists (select 1 from point)
  )
  select exists (select 1 from latest) as latest, exists (select 1 from point) as point`;
