/** What the SLA board and the service page read beyond `sla/board-sql.ts`: the fans to draw, and why a service has no forecast. */
import type { Queryable } from '../../db/pool.ts';
import { boardRows, type BoardRow, type ForecastPoint } from '../../sla/board-sql.ts';
import { resolveServiceJobs, type ResolvedService } from '../../sla/lineage.ts';
import { jobIdsByName } from '../../sla/lineage-sql.ts';
import type { ServiceDefinition } from '../../sla/schema.ts';

/** A service on the board: its latest forecast, the forecasts of that instance to draw, or why there is none. */
export interface BoardEntry {
  row: BoardRow;
  /** Oldest first, thinned to about `maxPoints`. */
  points: ForecastPoint[];
  /** Why the service was never forecast; null when it was. */
  why: string | null;
}

/**
 * Every service for the board, in the board's order (likeliest breach, then nearest deadline),
 * each with at most about `maxPoints` forecasts of its current instance.
 */
export async function boardEntries(db: Queryable, maxPoints: number): Promise<BoardEntry[]> {
  const [rows, points] = await Promise.all([boardRows(db), fanPoints(db, maxPoints, null)]);
  return Promise.all(rows.map(async (row) => ({
    row,
    points: pointsOf(points, row),
    why: row.latest ? null : await whyNoForecast(db, row.definition),
  })));
}

/** The board row of one service, with at most about `maxPoints` forecasts of its instance; undefined when there is no such service. */
export async function serviceEntry(db: Queryable, name: string, maxPoints: number): Promise<{ row: BoardRow; points: ForecastPoint[] } | undefined> {
  // A few dozen services: the board's own read, filtered, keeps one way of reading a forecast.
  const [rows, points] = await Promise.all([boardRows(db), fanPoints(db, maxPoints, name)]);
  const row = rows.find((r) => r.service === name);
  return row ? { row, points: pointsOf(points, row) } : undefined;
}

/**
 * The forecasts of each service's latest instance (of one service's, with `service`), oldest
 * first, thinned in the store to about `maxPoints` evenly spread, the latest always kept: an
 * instance gets a point a minute, and the board is read again after every sweep.
 */
export async function fanPoints(db: Queryable, maxPoints: number, service: string | null): Promise<Map<string, Fan>> {
  const r = await db.query<{ service: string; instance_key: string; at: Date; deadline: Date; p_breach: number; p10: Date; p50: Date; p90: Date }>(
    `select p.service, p.instance_key, p.at, p.deadline, p.p_breach, p.p10, p.p50, p.p90
     from service_forecasts f join lateral (
       select x.*, row_number() over (order by x.at) as rn, count(*) over () as n
       from forecast_points x where x.service = f.service and x.instance_key = f.instance_key) p on true
     where ($2::text is null or f.service = $2) and (p.rn = p.n or (p.rn - 1) % greatest(1, ceil(p.n::numeric / $1)::int) = 0)
     order by p.service, p.at`,
    [maxPoints, service],
  );
  const out = new Map<string, Fan>();
  for (const x of r.rows) {
    const fan = out.get(x.service) ?? { instanceKey: x.instance_key, points: [] };
    fan.points.push({ at: x.at, deadline: x.deadline, pBreach: x.p_breach, p10: x.p10, p50: x.p50, p90: x.p90 });
    out.set(x.service, fan);
  }
  return out;
}

/** The forecasts of one instance of a service. */
export interface Fan {
  instanceKey: string;
  points: ForecastPoint[];
}

// Read apart from the board's rows: a sweep in between may have moved a service on to its next instance.
const pointsOf = (fans: Map<string, Fan>, row: BoardRow): ForecastPoint[] => {
  const fan = fans.get(row.service);
  return fan && fan.instanceKey === row.latest?.instanceKey ? fan.points : [];
};

/**
 * Why a service has no forecast yet, in words: its jobs cannot be resolved, or none of the jobs it
 * starts with has run, or it has runs and the forecast sweep has not come to it yet.
 */
export async function whyNoForecast(db: Queryable, def: ServiceDefinition, resolved?: ResolvedService): Promise<string> {
  const { jobs, learned } = resolved ?? await resolveServiceJobs(db, def);
  if (jobs.length === 0) {
    const unknown = learned.unknownTerminals.length ? ` (Medic has seen no event of ${learned.unknownTerminals.join(', ')})` : '';
    return `lineage knows no job upstream of ${(def.terminal ?? []).join(', ')} yet${unknown}`;
  }
  const roots = jobs.filter((j) => j.after.length === 0).map((j) => j.job);
  const ids = [...(await jobIdsByName(db, roots)).values()];
  if (ids.length === 0) return `Medic has seen no event of ${roots.join(', ')}, the jobs it starts with`;
  const r = await db.query<{ ran: boolean }>('select exists (select 1 from runs where job_id = any($1::bigint[])) as ran', [ids]);
  if (!r.rows[0]?.ran) return `no run of ${roots.join(', ')}, the jobs it starts with, yet`;
  return 'its jobs have runs, but the forecast sweep (every minute, on a worker) has not forecast it yet';
}
