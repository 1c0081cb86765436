import { DateTime } from 'luxon';
import type { Orchestrator } from '../runs/schema.ts';
import { financeCloseDay, financeCloseToday, financeClose } from './airflow-history.ts';
import { featurePipelineDay, featurePipeline } from './argo-history.ts';
import { payroll, payrollDay } from './controlm-history.ts';
import { financeDownstream, financeDownstreamDay } from './finance-downstream.ts';
import { accountOpeningDay } from './generic-history.ts';
import { DAY, seeded } from './random.ts';

/** A batch of payloads in one orchestrator's own format, as `POST /v1/events` takes them. */
export interface DemoBatch {
  orchestrator: Orchestrator;
  instance: string;
  timeZone: string;
  payloads: unknown[];
}

/**
 * A realistic history of four orchestrators over the `days` before `until` (finance close in
 * Airflow via OpenLineage, an ML pipeline in Argo, payroll in Control-M, account opening in the
 * generic format, and the BI jobs after the close in it too), with the failures and retries such systems have, plus today's close still in
 * flight; `replayAt` is the moment worth replaying, just after its second load failure. Same
 * seed, same history.
 */
export function demoWorld(until: Date, days = 28, seed = 20261124): { batches: DemoBatch[]; replayAt: Date; partialDay: string } {
  const r = seeded(seed);
  const today = Date.UTC(until.getUTCFullYear(), until.getUTCMonth(), until.getUTCDate());
  const airflow: unknown[] = [];
  const argo: unknown[] = [];
  const controlm: unknown[] = [];
  const generic: unknown[] = [];
  const bi: unknown[] = [];
  for (let d = days; d >= 1; d--) {
    const day = today - d * DAY;
    // Yesterday the ERP delivered 40 % of its lines; the close and the BI jobs after it ran as if nothing was wrong.
    const close = financeCloseDay(r, new Date(day + financeClose.slotHourUtc * 3_600_000), d === 1 ? 'erp' : undefined);
    airflow.push(...close);
    bi.push(...financeDownstreamDay(close, day));
    argo.push(featurePipelineDay(r, new Date(day + featurePipeline.slotHourUtc * 3_600_000)));
    const local = DateTime.fromMillis(day, { zone: payroll.timeZone }).startOf('day');
    if (local.weekday <= 5) controlm.push({ statuses: payrollDay(r, local) });
    generic.push(...accountOpeningDay(r, new Date(day)));
  }
  const inFlight = financeCloseToday(r, new Date(today + financeClose.slotHourUtc * 3_600_000));
  airflow.push(...inFlight.events);
  const batches: DemoBatch[] = [
    { orchestrator: 'openlineage', instance: 'airflow-prod', timeZone: 'UTC', payloads: airflow },
    { orchestrator: 'argo', instance: 'argo-ml', timeZone: 'UTC', payloads: argo },
    { orchestrator: 'controlm', instance: payroll.server, timeZone: payroll.timeZone, payloads: controlm },
    { orchestrator: 'generic', instance: 'onboarding-api', timeZone: 'UTC', payloads: generic },
    { orchestrator: 'generic', instance: financeDownstream.source, timeZone: 'UTC', payloads: bi },
  ];
  const yesterday = new Date(today - DAY + financeClose.slotHourUtc * 3_600_000);
  return { batches, replayAt: new Date(inFlight.secondFailure.getTime() + 5 * 60_000), partialDay: `scheduled__${yesterday.toISOString().replace('.000Z', '+00:00')}` };
}
