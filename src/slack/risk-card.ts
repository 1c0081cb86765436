/**
 * What the message about an SLA risk says: the service's chance to miss its deadline, the ETA,
 * the time left to act and on which job, and the services downstream that would be hit.
 */
import { z } from 'zod';
import type { Queryable } from '../db/pool.ts';
import type { ServiceForecast } from '../sla/service-forecast.ts';
import { getRisk } from './sql.ts';

export interface RiskCard {
  kind: 'risk';
  service: string;
  title: string;
  instance: string;
  status: 'open' | 'cleared';
  pBreach: number;
  etaP50: Date;
  etaP90: Date;
  deadline: Date;
  /** The forecast's sentence: "*Financial close* is at risk: 72 % chance to miss 06:00 …". */
  summary: string;
  /** The most critical unfinished job and the latest it may finish before the risk crosses the service's threshold. */
  timeToAct: { job: string; latest: Date | null } | null;
  criticalPath: string[];
  downstream: { service: string; pMiss: number | null; deadline: Date | null }[];
}

/** The parts of a stored forecast (`sla_risks.forecast`, JSON) the card shows. */
const StoredForecast = z.object({
  forecast: z.object({
    criticalPath: z.array(z.string()).default([]),
    timeToAct: z.object({ job: z.string(), latest: z.coerce.date().nullable() }).nullable().default(null),
  }),
  impact: z.array(z.object({ service: z.string(), pMiss: z.number().nullable(), deadline: z.coerce.date().nullable(), atRisk: z.boolean() })).default([]),
});

/** The card of a forecast the caller holds (the demo, `/medic forecast`). */
export function riskCardOf(f: ServiceForecast, title: string | null, status: 'open' | 'cleared'): RiskCard {
  return {
    kind: 'risk', service: f.service, title: title ?? f.service, instance: f.instance.key, status, pBreach: f.forecast.pBreach,
    etaP50: f.forecast.eta.p50, etaP90: f.forecast.eta.p90, deadline: f.instance.deadline, summary: f.summary,
    timeToAct: f.forecast.timeToAct, criticalPath: f.forecast.criticalPath,
    downstream: f.impact.filter((d) => d.atRisk || d.pMiss !== null).map((d) => ({ service: d.service, pMiss: d.pMiss, deadline: d.deadline })),
  };
}

/** The card of a stored risk; undefined when there is none. */
export async function loadRiskCard(db: Queryable, service: string, instance: string): Promise<RiskCard | undefined> {
  const r = await getRisk(db, service, instance);
  if (!r) return undefined;
  const stored = StoredForecast.safeParse(r.forecast);
  const f = stored.success ? stored.data : { forecast: { criticalPath: [], timeToAct: null }, impact: [] };
  return {
    kind: 'risk', service: r.service, title: r.title ?? r.service, instance: r.instance_key, status: r.status, pBreach: r.p_breach,
    etaP50: r.eta_p50, etaP90: r.eta_p90, deadline: r.deadline, summary: r.summary, timeToAct: f.forecast.timeToAct,
    criticalPath: f.forecast.criticalPath,
    downstream: f.impact.filter((d) => d.atRisk || d.pMiss !== null).map((d) => ({ service: d.service, pMiss: d.pMiss, deadline: d.deadline })),
  };
}
