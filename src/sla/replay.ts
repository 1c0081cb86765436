import type { Queryable } from '../db/pool.ts';
import { SWEEP_SAMPLES } from './risks.ts';
import type { ServiceDefinition } from './schema.ts';
import { forecastDefinition } from './service-forecast.ts';
import { saveForecast } from './sql.ts';

/** The moments to replay the sweep at, and how thoroughly. */
export interface ReplayOptions {
  /** The first moment (included). */
  from: Date;
  /** The moment to stop before (excluded): the caller forecasts it, typically with more samples. */
  until: Date;
  /** Time between two replayed sweeps; at least a minute, as points are. @defaultValue 10 minutes */
  everyMs?: number;
  /** Keep only the forecasts of this instance. @defaultValue whichever instance is current at each moment */
  instanceKey?: string;
  /** Samples of each forecast. @defaultValue `SWEEP_SAMPLES` */
  samples?: number;
}

/**
 * Forecasts one service as the sweep would have, at `from` and every `everyMs` after it until
 * `until`, and keeps each forecast as the sweep does (`saveForecast`: the latest, and a point of
 * the instance's history), in time order; how many points it added. Gives a past instance the
 * forecast history the board draws, e.g. after a backfill or in the demo.
 */
export async function replaySweeps(
  db: Queryable, def: ServiceDefinition, all: Map<string, ServiceDefinition>, options: ReplayOptions,
): Promise<number> {
  const every = Math.max(60_000, options.everyMs ?? 10 * 60_000);
  let points = 0;
  for (let t = options.from.getTime(); t < options.until.getTime(); t += every) {
    const f = await forecastDefinition(db, def, all, new Date(t), { samples: options.samples ?? SWEEP_SAMPLES });
    if (f.kind !== 'forecast' || (options.instanceKey !== undefined && f.value.instance.key !== options.instanceKey)) continue;
    if ((await saveForecast(db, f.value)).point) points++;
  }
  return points;
}
